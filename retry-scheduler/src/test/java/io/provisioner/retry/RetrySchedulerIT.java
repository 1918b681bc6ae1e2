package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.topics.RetryHeaders;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(SharedInfra.class)
class RetrySchedulerIT {

    private static final Logger LOG = LoggerFactory.getLogger(RetrySchedulerIT.class);
    private static final int PARTITIONS = 3;

    private final List<RetryScheduler> schedulers = new ArrayList<>();
    private Infra infra;
    private ProvisionerConfig config;
    private String group;
    private RetryTopics topics;
    private String prefix;

    @BeforeEach
    void setUp(Infra infra) {
        this.infra = infra;
        prefix = TestNames.unique("retry");
        group = TestNames.unique("retry_scheduler");
        config = config(4);
        TopicCreator.ensure(config.kafka().baseProperties(), config.topics(), PARTITIONS);
        topics = new RetryTopics(
                infra.bootstrapServers(), config.topics().requestsRaw().name(), PARTITIONS);
    }

    private ProvisionerConfig config(int maxAttempts) {
        return config(maxAttempts, 1000, 4000);
    }

    private ProvisionerConfig config(int maxAttempts, int initialDelayMs, int maxDelayMs) {
        return ProvisionerConfig.from(ConfigSource.load(
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        infra.bootstrapServers(),
                        "PROVISIONER_TOPIC_PREFIX",
                        prefix,
                        "PROVISIONER_PARTITIONS",
                        Integer.toString(PARTITIONS),
                        "OR_MAX_ATTEMPTS",
                        Integer.toString(maxAttempts),
                        "OR_BACKOFF_INITIAL_MS",
                        Integer.toString(initialDelayMs),
                        "OR_BACKOFF_MAX_MS",
                        Integer.toString(maxDelayMs)),
                Optional.empty()));
    }

    @AfterEach
    void tearDown() {
        schedulers.forEach(RetryScheduler::close);
        topics.close();
    }

    private RetryScheduler start(SimpleMeterRegistry registry) {
        RetryScheduler s = new RetryScheduler(
                config,
                registry,
                Clock.systemUTC(),
                Map.of("group.id", group, "session.timeout.ms", 6000, "heartbeat.interval.ms", 500));
        schedulers.add(s);
        s.start();
        return s;
    }

    private String retry(int tier) {
        return config.topics().retry(tier).name();
    }

    @Test
    void sendsRecordsBackToRequestsNotBeforeTheirDueTimeWithTheirBytesAndHeaders() {
        Instant now = Instant.now();
        List<RetryTopics.Waiting> waiting = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            waiting.add(topics.write(
                    retry(1 + i % 2), i % PARTITIONS, "organization:" + i, now.plusMillis(1500 + 250L * i)));
        }
        topics.flush();

        RetryScheduler scheduler = start(new SimpleMeterRegistry());

        await().atMost(Duration.ofSeconds(30)).until(() -> topics.arrived().size() >= waiting.size());
        assertThat(scheduler.healthy()).isTrue();
        List<ConsumerRecord<byte[], byte[]>> arrived = topics.arrived();
        assertThat(topics.arrivalsPerKey()).hasSize(6).allSatisfy((k, n) -> assertThat(n)
                .isEqualTo(1));
        for (RetryTopics.Waiting w : waiting) {
            ConsumerRecord<byte[], byte[]> r = arrivedAs(arrived, w.key());
            assertThat(Instant.ofEpochMilli(r.timestamp())).as(w.key()).isAfterOrEqualTo(w.dueAt());
            assertThat(r.value()).isEqualTo(RetryTopics.value(w.key()));
            assertThat(RetryHeaders.number(r.headers(), RetryHeaders.ATTEMPT)).contains(2L);
            assertThat(RetryHeaders.number(r.headers(), RetryHeaders.DUE_AT))
                    .contains(w.dueAt().toEpochMilli());
            LOG.info(
                    "{} forwarded {} ms after due",
                    w.key(),
                    r.timestamp() - w.dueAt().toEpochMilli());
        }
        scheduler.close();
        assertThat(scheduler.healthy()).isFalse();
    }

    @Test
    void partitionWhoseHeadIsNotDueDoesNotHoldOtherPartitionsBack() {
        Instant now = Instant.now();
        topics.write(retry(1), 0, "organization:far", now.plus(Duration.ofHours(1)));
        topics.write(retry(1), 0, "organization:behind-far", now.minusSeconds(1));
        // "far" is due long after its tier's delay: it goes to the end of its tier and holds up nobody
        Set<String> expected = Set.of("organization:a", "organization:b", "organization:c", "organization:behind-far");
        topics.write(retry(1), 1, "organization:a", now.plusSeconds(1));
        topics.write(retry(1), 1, "organization:b", now.plusSeconds(1));
        topics.write(retry(1), 2, "organization:c", now.plusSeconds(2));
        topics.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        start(registry);

        await().atMost(Duration.ofSeconds(30)).until(() -> topics.arrived().size() >= expected.size());
        assertThat(topics.arrivalsPerKey().keySet()).isEqualTo(expected);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> registry.get("provisioner.retry.paused.partitions")
                                .gauge()
                                .value()
                        == 1.0);
    }

    @Test
    void everyWaitingRecordComesBackExactlyOnceAfterTheSchedulerIsKilled() {
        Instant now = Instant.now();
        List<RetryTopics.Waiting> all = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            all.add(topics.write(retry(1), i, "organization:due-" + i, now.minusSeconds(1)));
        }
        for (int i = 0; i < 6; i++) {
            all.add(topics.write(retry(1 + i % 3), i % PARTITIONS, "organization:wait-" + i, now.plusSeconds(4)));
        }
        topics.flush();
        SimpleMeterRegistry first = new SimpleMeterRegistry();
        RetryScheduler killed = start(first);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> topics.arrived().size() >= 3
                        && first.get("provisioner.retry.paused.partitions")
                                        .gauge()
                                        .value()
                                >= 1);

        killed.abandon();
        start(new SimpleMeterRegistry());

        await().atMost(Duration.ofSeconds(40)).until(() -> topics.arrived().size() >= all.size());
        Map<String, Long> perKey = topics.arrivalsPerKey();
        assertThat(perKey.keySet())
                .isEqualTo(all.stream().map(RetryTopics.Waiting::key).collect(Collectors.toSet()));
        assertThat(perKey).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1));
        List<ConsumerRecord<byte[], byte[]>> arrived = topics.arrived();
        for (RetryTopics.Waiting w : all) {
            assertThat(Instant.ofEpochMilli(arrivedAs(arrived, w.key()).timestamp()))
                    .as(w.key())
                    .isAfterOrEqualTo(w.dueAt());
        }
    }

    @Test
    void thousandsOfWaitingRecordsAreNotHeldInMemory() {
        config = config(4, 3_600_000, 3_600_000);
        Instant far = Instant.now().plus(Duration.ofHours(1));
        for (int i = 0; i < 2_000; i++) {
            topics.write(retry(3), i % PARTITIONS, "teacher:" + i, far);
        }
        topics.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        start(registry);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> registry.get("provisioner.retry.paused.partitions")
                                .gauge()
                                .value()
                        == PARTITIONS);
        double bound = PARTITIONS * ClientProperties.MAX_POLL_RECORDS;
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10))
                .until(() -> registry.get("provisioner.retry.fetched.records")
                                .counter()
                                .count()
                        <= bound);
        LOG.info(
                "fetched {} of 2000 waiting records",
                registry.get("provisioner.retry.fetched.records").counter().count());
        assertThat(topics.arrived()).isEmpty();
    }

    @Test
    void recordsInTiersAboveTheConfiguredOnesAreStillForwardedAfterMaxAttemptsWasLowered() {
        ProvisionerConfig before = config(8);
        TopicCreator.ensure(before.kafka().baseProperties(), before.topics(), PARTITIONS);
        Instant now = Instant.now();
        topics.write(before.topics().retry(6).name(), 1, "organization:in-tier-6", now.plusSeconds(1));
        topics.write(before.topics().retry(7).name(), 2, "organization:in-tier-7", now.minusSeconds(1));
        topics.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        RetryScheduler scheduler = start(registry);

        await().atMost(Duration.ofSeconds(30)).until(() -> topics.arrived().size() >= 2);
        assertThat(topics.arrivalsPerKey())
                .containsOnly(Map.entry("organization:in-tier-6", 1L), Map.entry("organization:in-tier-7", 1L));
        assertThat(Instant.ofEpochMilli(
                        arrivedAs(topics.arrived(), "organization:in-tier-6").timestamp()))
                .isAfterOrEqualTo(now.plusSeconds(1));
        assertThat(registry.get("provisioner.retry.forwarded")
                        .tag("tier", "6")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(scheduler.healthy()).isTrue();
    }

    @Test
    void withASingleAttemptThereIsNoRetryTierAndTheSchedulerIdlesHealthy() {
        config = config(1);

        RetryScheduler scheduler = start(new SimpleMeterRegistry());

        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(scheduler::healthy);
        assertThat(topics.arrived()).isEmpty();
    }

    /** Tier 3, the last, has a delay of 4 s; the server asked for 12 s. */
    @Test
    void longRetryAfterAtTheHeadOfTheLastTierIsHonouredAndHoldsUpNobody() {
        Instant now = Instant.now();
        Instant written = now.minusSeconds(3);
        Instant longDue = now.plusSeconds(12);
        topics.write(retry(3), 0, "organization:long", longDue, written);
        topics.write(retry(3), 0, "organization:behind", now.plusSeconds(1), written);
        topics.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        start(registry);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> topics.arrivalsPerKey().containsKey("organization:behind"));
        Instant behindAt = Instant.ofEpochMilli(
                arrivedAs(topics.arrived(), "organization:behind").timestamp());
        assertThat(topics.arrivalsPerKey()).doesNotContainKey("organization:long");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> topics.arrivalsPerKey().containsKey("organization:long"));
        ConsumerRecord<byte[], byte[]> longOne = arrivedAs(topics.arrived(), "organization:long");
        assertThat(Instant.ofEpochMilli(longOne.timestamp())).isAfterOrEqualTo(longDue);
        assertThat(RetryHeaders.number(longOne.headers(), RetryHeaders.DUE_AT)).contains(longDue.toEpochMilli());
        assertThat(topics.arrivalsPerKey())
                .containsOnly(Map.entry("organization:long", 1L), Map.entry("organization:behind", 1L));
        assertThat(registry.get("provisioner.retry.requeued.records").counter().count())
                .isGreaterThanOrEqualTo(1.0);
        LOG.info(
                "behind the long Retry-After: forwarded {} ms after due; the long one {} ms after due",
                behindAt.toEpochMilli() - now.plusSeconds(1).toEpochMilli(),
                longOne.timestamp() - longDue.toEpochMilli());
    }

    private static ConsumerRecord<byte[], byte[]> arrivedAs(List<ConsumerRecord<byte[], byte[]>> arrived, String key) {
        return arrived.stream()
                .filter(r -> RetryTopics.text(r.key()).equals(key))
                .findFirst()
                .orElseThrow();
    }
}
