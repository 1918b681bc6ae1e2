package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.Topics;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import io.provisioner.stream.internals.StreamMetrics;
import io.provisioner.stream.internals.StreamsProperties;
import io.provisioner.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What operators see of each record: log lines carrying its owner and position, and the contract's meters. */
class RecordContextTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");

    @TempDir
    Path stateDir;

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore();
    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> requests;

    @BeforeEach
    void startDriver() {
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(
                Map.of("PROVISIONER_TOPIC_PREFIX", "unit", "PROVISIONER_STATE_DIR", stateDir.toString()),
                Optional.empty()));
        Topics topics = config.topics();
        ProvisioningService service = new ProvisioningService(
                api,
                store,
                new NoWaitRateLimiter(),
                config.limits(),
                config.keyNames(),
                registry,
                Duration.ZERO,
                RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
        var props = StreamsProperties.of(
                config, "unit-test", topics, Duration.ZERO, new StreamMetrics(registry), clock, Map.of());
        driver = new TopologyTestDriver(
                ProvisionerTopology.build(topics, config.retry(), service, clock, registry), props, T0);
        requests = driver.createInputTopic(topics.requests().name(), new StringSerializer(), new ByteArraySerializer());
        logged.start();
        ((Logger) LoggerFactory.getLogger(RequestProcessor.class)).addAppender(logged);
    }

    @AfterEach
    void closeDriver() {
        ((Logger) LoggerFactory.getLogger(RequestProcessor.class)).detachAppender(logged);
        driver.close();
    }

    @Test
    void linesLoggedWhileARecordIsProcessedCarryItsOwnerTopicPartitionAndOffset() {
        store.addOwner(TEACHER);
        api.failNext(FakeKeysApi.Op.CREATE, FakeKeysApi.http(500, null));

        requests.pipeInput(TEACHER.key(), request(T0.toEpochMilli()));

        assertThat(logged.list).isNotEmpty().allSatisfy(e -> assertThat(e.getMDCPropertyMap())
                .containsEntry("owner", "teacher:t-1")
                .containsEntry("topic", "unit.requests")
                .containsEntry("partition", "0")
                .containsEntry("offset", "0"));
        assertThat(org.slf4j.MDC.getCopyOfContextMap())
                .as("cleared after the record")
                .isNullOrEmpty();
    }

    @Test
    void countsOutcomesByTheContractsNamesAndTimesCommitToStoredKey() {
        store.addOwner(TEACHER);
        api.failNext(FakeKeysApi.Op.CREATE, FakeKeysApi.http(500, null));
        clock.advance(Duration.ofSeconds(3));

        requests.pipeInput(TEACHER.key(), request(T0.toEpochMilli()));
        requests.pipeInput(TEACHER.key(), request(T0.toEpochMilli()));
        requests.pipeInput(TEACHER.key(), request(null));

        assertThat(count("retried")).isEqualTo(1);
        assertThat(count("created")).isEqualTo(1);
        assertThat(count("unchanged")).isEqualTo(1);
        assertThat(count("dead")).isZero();
        var e2e = registry.get("provisioner.e2e.latency").summary();
        assertThat(e2e.count()).as("only the stored key is timed").isEqualTo(1);
        assertThat(e2e.totalAmount()).isEqualTo(3.0);
    }

    private double count(String outcome) {
        return registry.get("provisioner.requests")
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    private static byte[] request(Long committedAtMs) {
        return RequestCodec.encode(ProvisionRequest.of(
                TEACHER,
                ProvisionRequest.Op.UPSERT,
                new ProvisionRequest.Source("public.teachers", 42L, committedAtMs),
                T0));
    }
}
