package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);

    private final ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(
            Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                    "OR_BATCH_SIZE", "20",
                    "OR_HTTP_TIMEOUT_MS", "30000",
                    "KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            Optional.empty()));

    @Test
    void derivesExactlyOnceBatchAndPollIntervalFromConfig() {
        Properties p = StreamsProperties.of(
                config,
                "provisioner-stream",
                config.topics(),
                Duration.ofSeconds(10),
                new StreamMetrics(new SimpleMeterRegistry()),
                CLOCK,
                Map.of());

        assertThat(p).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "provisioner-stream");
        assertThat(p).containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
        assertThat(p).containsEntry("security.protocol", "SASL_SSL");
        assertThat(p).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // a second between commits, not exactly-once's default 100 ms: a commit costs four broker round trips
        assertThat(p).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        assertThat(p).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);
        // 20 records x (16 calls (10 pages of a leftover search, a delete, a read-back, a create, its
        // guardrail assignment, a read, a delete) x (2 x 10 s permit + 3 x 30 s call: the call and its two
        // re-sends after 429s) + 3 failing database calls x (10 s for a connection + 20 s socket timeout)),
        // plus a quarter: 20 x (1,760 s + 90 s) x 1.25
        assertThat((Integer) p.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG)).isEqualTo(46_250_000);
        assertThat(p).containsEntry(DeadLetterExceptionHandler.DLT_TOPIC_CONFIG, "provisioning.dlt");
        assertThat(p).containsEntry(DeadLetterExceptionHandler.CLOCK_CONFIG, CLOCK);
    }

    @Test
    void runsAStreamThreadPerPartitionUpToEight() {
        assertThat(threadsWith("24")).isEqualTo(8);
        assertThat(threadsWith("6")).isEqualTo(6);
        assertThat(threadsWith("2")).isEqualTo(2);
        assertThat(threadsWith("1")).isEqualTo(1);
    }

    private static Object threadsWith(String partitions) {
        ProvisionerConfig withPartitions = ProvisionerConfig.from(
                ConfigSource.load(Map.of("PROVISIONER_PARTITIONS", partitions), Optional.empty()));
        return StreamsProperties.of(
                        withPartitions,
                        "provisioner-stream",
                        withPartitions.topics(),
                        Duration.ZERO,
                        new StreamMetrics(new SimpleMeterRegistry()),
                        CLOCK,
                        Map.of())
                .get(StreamsConfig.NUM_STREAM_THREADS_CONFIG);
    }

    @Test
    void crashedInstanceIsReplacedAfterTenSecondsUnlessTheOperatorSaysOtherwise() {
        ProvisionerConfig tuned = ProvisionerConfig.from(
                ConfigSource.load(Map.of("KAFKA_SESSION_TIMEOUT_MS", "30000"), Optional.empty()));

        Properties byDefault = StreamsProperties.of(
                config,
                "provisioner-stream",
                config.topics(),
                Duration.ZERO,
                new StreamMetrics(new SimpleMeterRegistry()),
                CLOCK,
                Map.of());
        Properties configured = StreamsProperties.of(
                tuned,
                "provisioner-stream",
                tuned.topics(),
                Duration.ZERO,
                new StreamMetrics(new SimpleMeterRegistry()),
                CLOCK,
                Map.of());

        assertThat(byDefault).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        assertThat(configured).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
    }

    @Test
    void overridesWin() {
        Properties p = StreamsProperties.of(
                config,
                "provisioner-stream",
                config.topics(),
                Duration.ZERO,
                new StreamMetrics(new SimpleMeterRegistry()),
                CLOCK,
                Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "it_app", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1));

        assertThat(p).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "it_app");
        assertThat(p).containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        assertThat((Integer) p.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG)).isGreaterThanOrEqualTo(300_000);
    }

    @Test
    void keepsOnlyWhatKafkaStreamsTakes() {
        Properties p = StreamsProperties.of(
                config,
                "provisioner-stream",
                config.topics(),
                Duration.ZERO,
                new StreamMetrics(new SimpleMeterRegistry()),
                CLOCK,
                Map.of(
                        StreamsConfig.MAIN_CONSUMER_PREFIX + ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                        250,
                        ConsumerConfig.FETCH_MIN_BYTES_CONFIG,
                        1,
                        "not.a.kafka.setting",
                        "x"));

        assertThat(p)
                .containsEntry(StreamsConfig.MAIN_CONSUMER_PREFIX + ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250)
                .containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1)
                .containsKey(DeadLetterExceptionHandler.METRICS_CONFIG)
                .containsKey(DeadLetterExceptionHandler.DLT_TOPIC_CONFIG)
                .containsEntry(DeadLetterExceptionHandler.CLOCK_CONFIG, CLOCK)
                .doesNotContainKey("not.a.kafka.setting");
    }
}
