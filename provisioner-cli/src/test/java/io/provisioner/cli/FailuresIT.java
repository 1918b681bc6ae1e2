package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.topics.RetryHeaders;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Pipeline;
import io.provisioner.simulator.Fault;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failing OpenRouter calls on a real broker, a real Postgres and the simulator: retries through the
 * retry topics and the retry-scheduler, dead letters, and the operator's {@code dlt} commands.
 */
@ExtendWith(SharedInfra.class)
class FailuresIT {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void ownerFailingFourTimesThenSucceedingGetsOneKeyAfterFiveAttempts(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_BACKOFF_INITIAL_MS", "500");
            f.env.put("OR_BACKOFF_MULTIPLIER", "2");
            f.env.put("OR_BACKOFF_MAX_MS", "10000");
            f.start();
            String owner = "teacher:" + UUID.randomUUID();
            f.simulator.enqueueCreateFaultsFor(
                    owner, Fault.status(500), Fault.status(500), Fault.status(500), Fault.status(500));

            insertTeacher(f, owner);

            await().atMost(WAIT).until(() -> f.simulator.liveKeysNamed(owner).size() == 1 && f.activeKeys() == 1);
            List<Instant> creates = f.createsNamed(owner);
            assertThat(creates).as("POST /keys for %s", owner).hasSize(5);
            for (int n = 1; n <= 4; n++) {
                Duration gap = Duration.between(creates.get(n - 1), creates.get(n));
                Duration tier = Duration.ofMillis(500L << (n - 1));
                assertThat(gap).as("gap before attempt %d", n + 1).isGreaterThanOrEqualTo(tier);
            }
            assertThat(f.job(owner)).hasValueSatisfying(job -> {
                assertThat(job.status()).isEqualTo("succeeded");
                assertThat(job.attempts()).isEqualTo(5);
            });
            assertThat(f.deadLettersOnceCommitted()).isEmpty();
        }
    }

    @Test
    void alwaysFailingOwnerIsDeadLetteredAfterMaxAttempts(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_MAX_ATTEMPTS", "4");
            f.env.put("OR_BACKOFF_INITIAL_MS", "300");
            f.env.put("OR_BACKOFF_MAX_MS", "2000");
            f.start();
            String owner = "teacher:" + UUID.randomUUID();
            f.simulator.failCreatesFor(owner, Fault.status(500));

            insertTeacher(f, owner);
            List<String> others = f.insertOwners(20);

            await().atMost(WAIT)
                    .until(() ->
                            f.job(owner).map(j -> j.status().equals("dead")).orElse(false));
            await().atMost(WAIT).until(() -> f.activeKeys() == others.size());
            others.forEach(o -> assertThat(f.simulator.liveKeysNamed(o)).as(o).hasSize(1));
            assertThat(f.simulator.liveKeysNamed(owner)).isEmpty();
            assertThat(f.createsNamed(owner)).hasSize(4);
            assertThat(f.job(owner)).hasValueSatisfying(job -> {
                assertThat(job.attempts()).isEqualTo(4);
                assertThat(job.lastError()).contains("500");
            });

            await().atMost(WAIT).until(() -> !f.deadLetters().isEmpty());
            List<ConsumerRecord<byte[], byte[]>> dead = f.deadLetters();
            assertThat(dead).hasSize(1);
            ConsumerRecord<byte[], byte[]> r = dead.get(0);
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(owner);
            assertThat(header(r, RetryHeaders.ATTEMPT)).isEqualTo("4");
            assertThat(Long.parseLong(header(r, RetryHeaders.FIRST_FAILURE_AT))).isLessThan(r.timestamp());
            assertThat(header(r, RetryHeaders.ERROR_CLASS)).isEqualTo("RetryableException");
            assertThat(header(r, RetryHeaders.ERROR_MESSAGE)).contains("gave up after 4 attempts", "answered 500");
            assertThat(header(r, RetryHeaders.ORIGINAL_TOPIC)).isEqualTo(f.schema + ".requests");
            assertThat(Integer.parseInt(header(r, RetryHeaders.ORIGINAL_PARTITION)))
                    .isEqualTo(r.partition());
            assertThat(Long.parseLong(header(r, RetryHeaders.ORIGINAL_OFFSET))).isNotNegative();
        }
    }

    @Test
    void retryAfterLongerThanTierDelayIsHonoured(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_BACKOFF_INITIAL_MS", "1000");
            f.env.put("OR_BACKOFF_MULTIPLIER", "2");
            f.env.put("OR_BACKOFF_MAX_MS", "10000");
            f.start();
            String owner = "teacher:" + UUID.randomUUID();
            f.simulator.enqueueCreateFaultsFor(owner, Fault.rateLimited(Duration.ofSeconds(3)));

            insertTeacher(f, owner);

            await().atMost(WAIT).until(() -> f.simulator.liveKeysNamed(owner).size() == 1);
            List<Instant> creates = f.createsNamed(owner);
            assertThat(creates).hasSize(2);
            assertThat(Duration.between(creates.get(0), creates.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        }
    }

    @Test
    void badRequestIsDeadLetteredAfterOneCall(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.start();
            String owner = "teacher:" + UUID.randomUUID();
            f.simulator.failCreatesFor(owner, Fault.status(400));

            insertTeacher(f, owner);

            await().atMost(WAIT)
                    .until(() ->
                            f.job(owner).map(j -> j.status().equals("dead")).orElse(false));
            // the job row is written before the DLT record's transaction commits
            await().atMost(WAIT).until(() -> !f.deadLetters().isEmpty());
            assertThat(f.createsNamed(owner)).hasSize(1);
            List<ConsumerRecord<byte[], byte[]>> dead = f.deadLetters();
            assertThat(dead).hasSize(1);
            assertThat(header(dead.get(0), RetryHeaders.ERROR_CLASS)).isEqualTo("FatalException");
            assertThat(header(dead.get(0), RetryHeaders.ATTEMPT)).isEqualTo("1");
            assertThat(f.job(owner).orElseThrow().lastError()).contains("answered 400");
        }
    }

    @Test
    void deadLetterIsListedWithItsReasonAndReplayedOnceTheFaultIsGone(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.start();
            String owner = "teacher:" + UUID.randomUUID();
            String bystander = "teacher:" + UUID.randomUUID();
            f.simulator.failCreatesFor(owner, Fault.status(400));
            f.simulator.failCreatesFor(bystander, Fault.status(400));
            insertTeacher(f, owner);
            insertTeacher(f, bystander);
            await().atMost(WAIT).until(() -> f.deadLetters().size() == 2);

            PipelineFixture.CliRun list = f.cli("dlt", "list");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out().lines().filter(l -> l.contains(owner)))
                    .singleElement()
                    .satisfies(line -> assertThat(line).contains("FatalException", "answered 400"));

            f.simulator.failCreatesFor(owner, null);
            PipelineFixture.CliRun replay = f.cli("dlt", "replay", "--owner", owner);
            assertThat(replay.exit()).as(replay.err()).isZero();
            assertThat(replay.out()).contains("1 dead letter(s) sent back");

            await().atMost(WAIT).until(() -> f.simulator.liveKeysNamed(owner).size() == 1);
            await().atMost(WAIT).until(() -> f.job(owner)
                    .map(j -> j.status().equals("succeeded"))
                    .orElse(false));
            assertThat(f.createsNamed(owner)).hasSize(2);
            assertThat(f.createsNamed(bystander))
                    .as("the other dead letter is left alone")
                    .hasSize(1);
            assertThat(f.job(bystander).orElseThrow().status()).isEqualTo("dead");
        }
    }

    /**
     * OR_MAX_ATTEMPTS lowered from 8 to 1 while a record waits in retry.6: the retry component runs, idle
     * and healthy, without a tier of its own, still forwards that record when due, and the record gets
     * one more attempt before the DLT.
     */
    @Test
    void recordLeftInAHigherTierAfterMaxAttemptsWasLoweredGetsOneMoreAttemptThenTheDlt(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            ProvisionerConfig before = f.config();
            TopicCreator.ensure(before.kafka().baseProperties(), before.topics(), 3);
            String owner = "teacher:" + UUID.randomUUID();
            insertTeacher(f, owner);
            f.simulator.failCreatesFor(owner, Fault.status(500));
            writeRetry(
                    f, before.topics().retry(6).name(), owner, 6, Instant.now().plusSeconds(1));
            f.env.put("OR_MAX_ATTEMPTS", "1");

            Pipeline pipeline = f.start(EnumSet.of(Components.PROVISIONER, Components.RETRY));

            await().atMost(WAIT).until(() -> !f.deadLetters().isEmpty());
            ConsumerRecord<byte[], byte[]> dead = f.deadLetters().get(0);
            assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(owner);
            assertThat(header(dead, RetryHeaders.ATTEMPT)).isEqualTo("7");
            assertThat(header(dead, RetryHeaders.ERROR_MESSAGE)).contains("gave up after 7 attempts");
            assertThat(f.createsNamed(owner)).hasSize(1);
            assertThat(pipeline.health()).allSatisfy((component, health) -> assertThat(health.up())
                    .as("%s: %s", component, health.detail())
                    .isTrue());
            assertThat(pipeline.health()).containsKey("retry");
        }
    }

    private static void writeRetry(PipelineFixture f, String topic, String owner, int attempt, Instant dueAt) {
        OwnerRef ref = new OwnerRef("teacher", owner.substring("teacher:".length()));
        byte[] value = RequestCodec.encode(ProvisionRequest.of(ref, ProvisionRequest.Op.UPSERT, null, Instant.now()));
        RecordHeaders headers = new RecordHeaders();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, attempt);
        RetryHeaders.put(headers, RetryHeaders.DUE_AT, dueAt.toEpochMilli());
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", f.infra.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, null, owner.getBytes(StandardCharsets.UTF_8), value, headers));
        }
    }

    /** Inserts the teacher of {@code owner} ({@code teacher:<uuid>}). */
    private static void insertTeacher(PipelineFixture f, String owner) throws Exception {
        try (var c = f.infra.connect();
                var ps = c.prepareStatement("insert into " + f.schema + ".teachers values (?::uuid, ?, null)")) {
            ps.setString(1, owner.substring("teacher:".length()));
            ps.setString(2, "teacher under test");
            ps.executeUpdate();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return RetryHeaders.string(r.headers(), name).orElseThrow(() -> new AssertionError("no header " + name));
    }
}
