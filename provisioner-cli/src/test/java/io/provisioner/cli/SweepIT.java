package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.simulator.SimKey;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
            try (OpenRouterClient api = OpenRouterClient.create(f.config().openRouter(), Clock.systemUTC())) {
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
            // each owner row with its job row in one transaction: the sweep (every second) must never see the
            // owner without its job, which would request it as an owner without a key
            String retrying = insertTeacherWithJob(infra, f, "retrying", "now() - interval '1 hour'");
            String dead = insertTeacherWithJob(infra, f, "dead", "null");
            String deadLettered = insertTeacherWithJob(infra, f, "dead", "null");
            deadLetter(infra, f, deadLettered);

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

    @Test
    void passesAfterTheFullOneReadOnlyTheKeysCreatedSinceTheLast(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            // an account of 1,000 other keys: twelve pages of GET /keys
            f.simulator.seedKeys(1_000, "elsewhere-", Instant.now().minus(Duration.ofDays(1)));
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.start();

            await().atMost(WAIT).until(() -> listings(f.simulator.requests(), true) >= 8);

            List<SimRequest> calls = f.simulator.requests();
            long passes = listings(calls, true);
            long furtherPages = listings(calls, false);
            System.out.printf(
                    "%d orphan passes over 1,000 keys read %d pages beyond their first%n", passes, furtherPages);
            // the one full pass reads eleven pages beyond its first; every other pass reads its first only
            assertThat(furtherPages).isEqualTo(11);
        }
    }

    @Test
    void createWhoseOutcomeStayedUnknownIsSettledByTheSweepAndItsOwnerGetsOneKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.env.put("OR_HTTP_TIMEOUT_MS", "1000");
            f.env.put("PROVISIONER_ORPHAN_GRACE", "2s");
            f.start();
            UUID id = UUID.randomUUID();
            String owner = "teacher:" + id;
            deadLetter(infra, f, owner); // first: the sweep must not take the owner for a lost retry
            await().atMost(WAIT)
                    .until(() ->
                            f.count("select count(*) from pg_publication where pubname = '" + f.schema + "_pub'") == 1);
            try (Connection c = infra.connect();
                    Statement s = c.createStatement()) {
                // CDC does not see the row: only the sweep can bring this owner in
                s.execute("alter publication " + f.schema + "_pub drop table " + f.schema + ".teachers");
                c.setAutoCommit(false);
                insertJob(s, f, id.toString(), "dead", "null", "now()");
                s.execute("insert into " + f.schema + ".teachers values ('" + id + "', 'unknown create', null)");
                c.commit();
            }
            // the create took effect but its answer was lost, and the owner was dead-lettered: its intent stays
            SimKey leftover = f.simulator.addKey(owner, new BigDecimal("50"), "daily");

            await().atMost(WAIT)
                    .until(() -> f.simulator.key(leftover.hash()).isEmpty()
                            && f.simulator.liveKeysNamed(owner).size() == 1
                            && f.activeKeys() == 1);
            String kept = f.simulator.liveKeysNamed(owner).get(0).hash();
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where revoked_at is null"
                            + " and key_hash = '" + kept + "'"))
                    .isEqualTo(1);
            assertThat(f.createsNamed(owner)).hasSize(1);
            assertThat(f.job(owner))
                    .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("succeeded"));
        }
    }

    /**
     * An intent also marks a revoke whose DELETE was carried out but answered 502 (or a kept key not yet
     * read back), and the owner's row came back under its id: the sweep that settles the stale intent reads
     * the stored key back instead of clearing the provisioner's cue to do so, and the owner gets a key that
     * exists.
     */
    @Test
    void staleIntentOfAStoredKeyOpenRouterLostGivesTheOwnerANewKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.env.put("OR_HTTP_TIMEOUT_MS", "1000");
            f.env.put("PROVISIONER_ORPHAN_GRACE", "2s");
            f.start();
            String owner = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            // the daily full pass (which would find any stored key OpenRouter lost) ran at start
            await().atMost(WAIT)
                    .until(() -> f.count("select count(*) from " + f.schema
                                    + ".provisioner_sweep_passes where kind = 'full'")
                            == 1);
            SimKey lost = f.simulator.liveKeysNamed(owner).get(0);
            String id = owner.substring(owner.indexOf(':') + 1);
            deadLetter(infra, f, owner); // the sweep must not take the owner for a lost retry
            // a revoke (row gone, intent set) whose DELETE acted but answered 502, then dead-lettered; the row
            // is back under its id, and the stored key is older than any incremental window
            f.exec("update " + f.schema + ".ai_key_provision_jobs set status = 'dead', attempt_started_at = now(),"
                    + " updated_at = now() where owner_id = '" + id + "'");
            f.exec("update " + f.schema + ".ai_provider_keys set created_at = now() - interval '2 days'"
                    + " where owner_id = '" + id + "'");
            try (OpenRouterClient api = OpenRouterClient.create(f.config().openRouter(), Clock.systemUTC())) {
                assertThat(api.delete(lost.hash())).isTrue();
            }

            await().atMost(WAIT)
                    .until(() -> f.simulator.liveKeysNamed(owner).size() == 1
                            && f.count("select count(*) from " + f.schema + ".ai_provider_keys where revoked_at is null"
                                            + " and key_hash = '"
                                            + f.simulator
                                                    .liveKeysNamed(owner)
                                                    .get(0)
                                                    .hash() + "'")
                                    == 1);
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where key_hash = '" + lost.hash()
                            + "' and revoked_at is not null"))
                    .as("the lost key is revoked")
                    .isEqualTo(1);
            assertThat(f.activeKeys()).isEqualTo(1);
        }
    }

    /**
     * An update of a stored key whose outcome stayed unknown: the worker PATCHed another limit and was
     * killed before recording it, leaving its intent. The sweep that settles the stale intent records the
     * limit OpenRouter reports for the key, and the owner's next attempt sets the key back to its policy.
     */
    @Test
    void staleIntentOfAnUpdateWhoseOutcomeIsUnknownSetsTheKeyBackToItsPolicy(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.env.put("PROVISIONER_USAGE_SYNC_INTERVAL", "0");
            f.env.put("OR_HTTP_TIMEOUT_MS", "1000");
            f.env.put("PROVISIONER_ORPHAN_GRACE", "2s");
            f.start();
            String owner = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            SimKey key = f.simulator.liveKeysNamed(owner).get(0);
            String id = owner.substring(owner.indexOf(':') + 1);
            deadLetter(infra, f, owner); // the sweep must not take the owner for a lost retry
            f.exec("update " + f.schema + ".ai_key_provision_jobs set status = 'dead', attempt_started_at = now(),"
                    + " updated_at = now() where owner_id = '" + id + "'");
            try (OpenRouterClient api = OpenRouterClient.create(f.config().openRouter(), Clock.systemUTC())) {
                api.updateLimits(key.hash(), new KeyLimits(new BigDecimal("1000"), LimitReset.NONE));
            }

            await().atMost(WAIT)
                    .until(() ->
                            f.simulator.key(key.hash()).orElseThrow().limit().compareTo(key.limit()) == 0
                                    && f.count("select count(*) from " + f.schema
                                                    + ".ai_key_provision_jobs where owner_id = '" + id
                                                    + "' and attempt_started_at is null")
                                            == 1);
            assertThat(f.simulator.key(key.hash()).orElseThrow().limitReset()).isEqualTo(key.limitReset());
            assertThat(f.simulator.liveKeysNamed(owner))
                    .singleElement()
                    .extracting(SimKey::hash)
                    .isEqualTo(key.hash());
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where key_hash = '" + key.hash()
                            + "' and key_limit = " + key.limit()))
                    .isEqualTo(1);
        }
    }

    /** {@code GET /keys} calls at offset 0 (one per pass), or at any other offset. */
    private static long listings(List<SimRequest> calls, boolean first) {
        return calls.stream()
                .filter(r -> r.method().equals("GET") && r.path().endsWith("/keys"))
                .filter(r -> first == (r.query() != null && r.query().matches("(.*&)?offset=0(&.*)?")))
                .count();
    }

    private static void deadLetter(Infra infra, PipelineFixture f, String owner) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", infra.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            byte[] key = owner.getBytes(StandardCharsets.UTF_8);
            p.send(new ProducerRecord<>(f.schema + ".dlt", key, key)).get();
        }
    }

    /** A new teacher with a job row as a retry or dead letter leaves it, written in one transaction. */
    private static String insertTeacherWithJob(Infra infra, PipelineFixture f, String status, String nextAttemptAt)
            throws Exception {
        String id = java.util.UUID.randomUUID().toString();
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("insert into " + f.schema + ".teachers values ('" + id + "', 'teacher " + id + "', null)");
            insertJob(s, f, id, status, nextAttemptAt, "null");
            c.commit();
        }
        return "teacher:" + id;
    }

    private static void insertJob(
            Statement s, PipelineFixture f, String id, String status, String nextAttemptAt, String intent)
            throws Exception {
        s.execute("insert into " + f.schema + ".ai_key_provision_jobs (owner_type, owner_id, status, attempts,"
                + " last_error, next_attempt_at, attempt_started_at, created_at, updated_at) values ('teacher', '"
                + id + "', '" + status + "', 3, 'HTTP 500', " + nextAttemptAt + ", " + intent
                + ", now() - interval '1 hour', now() - interval '1 hour')");
    }
}
