package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.events.Json;
import io.provisioner.runtime.Components;
import io.provisioner.simulator.SimKey;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An owner's key over its life and the operator's tools around it, on a real broker, a real Postgres
 * and the simulator: replays, ambiguous API failures, deletes, changed limits, a crash of cdc-bridge
 * right after a multi-row insert, and {@code reconcile}.
 */
@ExtendWith(SharedInfra.class)
class LifecycleIT {

    private static final Duration WAIT = Duration.ofMinutes(3);

    @Test
    void replayingTheWholeRequestsTopicTwiceCreatesNothingNew(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_PER_SEC", "100");
            f.start();
            f.insertOwners(200);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> f.activeKeys() == 200);
            await().atMost(WAIT).until(() -> f.streamLag() == 0);
            long creates = creates(f);
            assertThat(creates).isEqualTo(200);

            PipelineFixture.CliRun refused = f.cli("replay", "--from-beginning", "--group", f.streamGroup());
            assertThat(refused.exit()).isEqualTo(ProvisionerCli.FAILURE);
            assertThat(refused.err()).contains(f.streamGroup(), "is active");

            f.stop();
            PipelineFixture.CliRun dryRun =
                    f.cli("replay", "--from-beginning", "--dry-run", "--group", f.streamGroup());
            assertThat(dryRun.exit()).as(dryRun.err()).isZero();
            assertThat(dryRun.out()).contains("dry run: nothing changed");
            assertThat(f.streamLag()).isZero();

            for (int round = 1; round <= 2; round++) {
                PipelineFixture.CliRun replay = f.cli("replay", "--from-beginning", "--group", f.streamGroup());
                assertThat(replay.exit()).as(replay.err()).isZero();
                assertThat(f.streamLag())
                        .as("requests to replay in round %d", round)
                        .isGreaterThanOrEqualTo(200);
                f.start();
                await().atMost(WAIT).until(() -> f.streamLag() == 0);
                f.stop();
            }

            assertThat(creates(f)).isEqualTo(creates);
            assertThat(f.simulator.liveKeys()).hasSize(200);
            assertThat(f.activeKeys()).isEqualTo(200);
            PipelineFixture.CliRun lag = f.cli("lag", "--group", f.streamGroup());
            assertThat(lag.exit()).as(lag.err()).isZero();
            assertThat(lag.out()).contains(f.schema + ".requests");
        }
    }

    @Test
    void ambiguousFailuresStillLeaveExactlyOneKeyPerOwner(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_HTTP_TIMEOUT_MS", "1500");
            f.env.put("OR_MAX_ATTEMPTS", "12"); // 0.4^12 per owner: no owner runs out of attempts
            f.env.put("OR_BACKOFF_INITIAL_MS", "300");
            f.env.put("OR_BACKOFF_MAX_MS", "2000");
            f.simulator.setRandomCreateFaults(0.2, 0.2, 20260131L, Duration.ofMillis(2000));
            f.start();
            List<String> owners = f.insertOwners(60);

            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> f.activeKeys() == 60 && f.simulator.liveKeys().size() == 60);

            KeyCipher cipher = f.config().requireCipher();
            List<String> stored = new ArrayList<>();
            try (Connection c = infra.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select owner_type, owner_id, key_hash, encrypted_key from "
                            + f.schema + ".ai_provider_keys where revoked_at is null")) {
                while (rs.next()) {
                    String owner = rs.getString(1) + ":" + rs.getString(2);
                    stored.add(owner);
                    List<SimKey> live = f.simulator.liveKeysNamed(owner);
                    assertThat(live).as("live keys named %s", owner).hasSize(1);
                    assertThat(live.get(0).hash()).isEqualTo(rs.getString(3));
                    assertThat(cipher.decrypt(rs.getString(4), owner).reveal())
                            .isEqualTo(live.get(0).secret());
                }
            }
            assertThat(stored).containsExactlyInAnyOrderElementsOf(owners);
            assertThat(creates(f))
                    .as("some creates failed, so some were repeated")
                    .isGreaterThan(60);
            assertThat(f.simulator.deletedKeys())
                    .as("keys left behind by creates that timed out")
                    .isNotEmpty();
            assertThat(f.deadLettersOnceCommitted()).isEmpty();
        }
    }

    @Test
    void deletingAnOwnerDeletesItsKeyAndMarksItRevoked(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.start();
            String owner = f.insertTeacher();
            String bystander = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 2);
            String hash = f.simulator.liveKeysNamed(owner).get(0).hash();

            f.count("with d as (delete from " + f.schema + ".teachers where id = '" + idOf(owner)
                    + "' returning 1) select count(*) from d");

            await().atMost(WAIT).until(() -> f.simulator.deletedKeys().stream()
                    .anyMatch(k -> k.hash().equals(hash)));
            await().atMost(WAIT)
                    .until(() ->
                            f.job(owner).map(j -> j.status().equals("revoked")).orElse(false));
            assertThat(f.simulator.liveKeysNamed(owner)).isEmpty();
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where owner_id = '" + idOf(owner)
                            + "' and key_hash = '" + hash + "' and revoked_at is not null"))
                    .isEqualTo(1);
            assertThat(f.activeKeys()).isEqualTo(1);
            assertThat(f.simulator.liveKeysNamed(bystander)).hasSize(1);
        }
    }

    @Test
    void changedTeacherLimitIsPatchedWhenTheRowIsTouched(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_TEACHER_LIMIT", "50");
            f.start();
            String owner = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            SimKey before = f.simulator.liveKeysNamed(owner).get(0);
            assertThat(before.limit()).isEqualByComparingTo("50");

            f.stop();
            f.env.put("OR_TEACHER_LIMIT", "75");
            f.start();
            f.count("with u as (update " + f.schema + ".teachers set name = 'renamed' where id = '" + idOf(owner)
                    + "' returning 1) select count(*) from u");

            await().atMost(WAIT)
                    .until(() ->
                            f.simulator.key(before.hash()).orElseThrow().limit().compareTo(new BigDecimal("75")) == 0);
            assertThat(f.simulator.requests())
                    .filteredOn(r -> r.method().equals("PATCH"))
                    .extracting(SimRequest::path)
                    .singleElement()
                    .satisfies(path -> assertThat(path).endsWith("/keys/" + before.hash()));
            await().atMost(WAIT)
                    .until(() -> f.count("select count(*) from " + f.schema
                                    + ".ai_provider_keys where revoked_at is null and key_limit = 75 and key_hash = '"
                                    + before.hash() + "'")
                            == 1);
            assertThat(f.simulator.liveKeysNamed(owner)).hasSize(1);
            assertThat(f.createsNamed(owner)).hasSize(1);
        }
    }

    @Test
    void multiRowInsertThenCdcCrashIsStillFullyProvisioned(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_PER_SEC", "100");
            f.start();
            f.insertTeacher(); // the pipeline is streaming changes once this one has its key
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);

            f.count("with i as (insert into " + f.schema + ".teachers select gen_random_uuid(), 'bulk ' || g, null"
                    + " from generate_series(1, 100) g returning 1) select count(*) from i");
            f.stop();
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "2s");
            f.start();

            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> f.activeKeys() == 101);
            assertThat(f.simulator.liveKeys()).hasSize(101);
            assertThat(f.simulator.liveKeys().stream().map(SimKey::name).distinct())
                    .hasSize(101);
        }
    }

    @Test
    void rowsCdcNeverSawAreProvisionedAndRevokedByTheSweep(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_PER_SEC", "100");
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "2s");
            f.start();
            String gone = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);

            // CDC stops seeing the table: what happens to it now reaches the pipeline only through the sweep
            try (Connection c = infra.connect();
                    Statement s = c.createStatement()) {
                s.execute("alter publication " + f.schema + "_pub drop table " + f.schema + ".teachers");
            }
            List<String> unseen = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                unseen.add(f.insertTeacher());
            }
            f.count("with d as (delete from " + f.schema + ".teachers where id::text = '" + gone.substring(8)
                    + "' returning 1) select count(*) from d");

            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> f.activeKeys() == 5
                            && f.simulator.liveKeysNamed(gone).isEmpty());
            for (String owner : unseen) {
                assertThat(f.simulator.liveKeysNamed(owner)).as(owner).hasSize(1);
            }
            assertThat(f.job(gone))
                    .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("revoked"));
        }
    }

    @Test
    void reconcileReportsAndFixesOrphansAndOwnersWithoutKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.start();
            List<String> owners = f.insertOwners(5);
            await().atMost(WAIT).until(() -> f.activeKeys() == 5);

            PipelineFixture.CliRun clean = f.cli("reconcile", "--json");
            assertThat(clean.exit()).as(clean.err()).isZero();
            assertThat(Json.MAPPER.readTree(clean.out()).get("in_step").asBoolean())
                    .isTrue();

            f.stop();
            String missing = f.insertTeacher();
            String existing = owners.get(1); // a teacher: every fifth owner is an organization
            SimKey orphan = f.simulator.addKey(existing, new BigDecimal("50"), "daily");

            PipelineFixture.CliRun dirty = f.cli("reconcile", "--json");
            assertThat(dirty.exit()).isEqualTo(ProvisionerCli.FAILURE);
            JsonNode report = Json.MAPPER.readTree(dirty.out());
            assertThat(report.get("in_step").asBoolean()).isFalse();
            assertThat(report.get("owners_without_key").toString()).contains(missing);
            assertThat(report.get("orphans").toString()).contains(orphan.hash());
            assertThat(report.get("duplicates").toString()).contains(existing);

            // no cdc-bridge: only the request reconcile sends can bring the missing owner in
            f.start(EnumSet.of(Components.PROVISIONER, Components.RETRY));
            PipelineFixture.CliRun fix = f.cli("reconcile", "--fix", "--grace", "0s");
            assertThat(fix.exit()).as(fix.err()).isZero();
            assertThat(fix.out()).contains("1 orphan(s) deleted", "1 owner(s) requested");

            await().atMost(WAIT).until(() -> f.simulator.liveKeysNamed(missing).size() == 1 && f.activeKeys() == 6);
            assertThat(f.simulator.deletedKeys()).extracting(SimKey::hash).containsExactly(orphan.hash());
            assertThat(f.simulator.liveKeysNamed(existing)).hasSize(1);
            PipelineFixture.CliRun after = f.cli("reconcile", "--json");
            assertThat(after.exit()).as(after.out()).isZero();
        }
    }

    private static long creates(PipelineFixture f) {
        return f.simulator.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().endsWith("/keys"))
                .count();
    }

    private static String idOf(String owner) {
        return owner.substring(owner.indexOf(':') + 1);
    }
}
