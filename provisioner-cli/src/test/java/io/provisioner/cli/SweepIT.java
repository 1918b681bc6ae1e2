package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The periodic sweep on the real pipeline and the simulator: keys that appear on OpenRouter behind the
 * pipeline's back are deleted, stored keys OpenRouter lost are replaced, and jobs whose retry record is
 * gone are picked up again.
 */
@ExtendWith(SharedInfra.class)
class SweepIT {

    private static final Duration WAIT = Duration.ofMinutes(1);

    @Test
    void orphanWithOurNameDisappearsAndALostStoredKeyIsRevokedAndReplaced(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.env.put("OR_HTTP_TIMEOUT_MS", "1000");
            f.env.put("PROVISIONER_ORPHAN_GRACE", "2s");
            f.start();
            String kept = f.insertTeacher();
            String lost = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 2);
            SimKey stored = f.simulator.liveKeysNamed(kept).get(0);
            SimKey lostKey = f.simulator.liveKeysNamed(lost).get(0);

            // a create that took effect after its client gave up, and a key of an owner that never existed
            SimKey late = f.simulator.addKey(kept, new BigDecimal("50"), "daily");
            SimKey stray = f.simulator.addKey("organization:" + UUID.randomUUID(), new BigDecimal("200"), "daily");
            SimKey foreign = f.simulator.addKey("someone else's key", new BigDecimal("1"), "daily");
            try (OpenRouterClient api = OpenRouterClient.create(f.config().openRouter())) {
                assertThat(api.delete(lostKey.hash())).isTrue();
            }

            await().atMost(WAIT)
                    .until(() -> f.simulator.key(late.hash()).isEmpty()
                            && f.simulator.key(stray.hash()).isEmpty());
            await().atMost(WAIT)
                    .until(() -> f.simulator.liveKeysNamed(lost).size() == 1
                            && f.count("select count(*) from " + f.schema
                                            + ".ai_provider_keys where revoked_at is null and key_hash = '"
                                            + f.simulator
                                                    .liveKeysNamed(lost)
                                                    .get(0)
                                                    .hash() + "'")
                                    == 1);
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where key_hash = '"
                            + lostKey.hash() + "' and revoked_at is not null"))
                    .isEqualTo(1);
            assertThat(f.simulator.liveKeysNamed(kept)).extracting(SimKey::hash).containsExactly(stored.hash());
            assertThat(f.simulator.key(foreign.hash())).isPresent();
            assertThat(f.activeKeys()).isEqualTo(2);
        }
    }

    @Test
    void retryingOrDeadJobWhoseRecordIsGoneIsRequestedAgain(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.start();
            String seen = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            // from now on CDC does not see the table: only the sweep can bring these owners in
            try (Connection c = infra.connect();
                    Statement s = c.createStatement()) {
                s.execute("alter publication " + f.schema + "_pub drop table " + f.schema + ".teachers");
            }
            String retrying = f.insertTeacher();
            String dead = f.insertTeacher();
            String deadLettered = f.insertTeacher();
            setJob(infra, f, retrying, "retrying", "now() - interval '1 hour'");
            setJob(infra, f, dead, "dead", "null");
            setJob(infra, f, deadLettered, "dead", "null");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                    Map.of("bootstrap.servers", infra.bootstrapServers()),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                byte[] key = deadLettered.getBytes(StandardCharsets.UTF_8);
                p.send(new ProducerRecord<>(f.schema + ".dlt", key, key)).get();
            }

            await().atMost(WAIT)
                    .until(() -> f.simulator.liveKeysNamed(retrying).size() == 1
                            && f.simulator.liveKeysNamed(dead).size() == 1
                            && f.activeKeys() == 3);
            assertThat(f.job(retrying))
                    .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("succeeded"));
            assertThat(f.job(dead))
                    .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("succeeded"));
            Thread.sleep(3_000); // three more sweeps
            assertThat(f.job(deadLettered))
                    .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("dead"));
            assertThat(f.simulator.liveKeysNamed(deadLettered)).isEmpty();
            assertThat(f.simulator.liveKeysNamed(seen)).hasSize(1);
        }
    }

    /** A job row as a retry or dead letter leaves it, updated an hour ago. */
    private static void setJob(Infra infra, PipelineFixture f, String owner, String status, String nextAttemptAt)
            throws Exception {
        String id = owner.substring(owner.indexOf(':') + 1);
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute("insert into " + f.schema + ".ai_key_provision_jobs (owner_type, owner_id, status, attempts,"
                    + " last_error, next_attempt_at, created_at, updated_at) values ('teacher', '" + id + "', '"
                    + status + "', 3, 'HTTP 500', " + nextAttemptAt
                    + ", now() - interval '1 hour', now() - interval '1 hour')");
        }
    }
}
