package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.Database;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.schema.Tables;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.StoredSecrets;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code provisioner rotate-keys} against real Postgres and the simulator over a socket: interrupted twice
 * (the server hangs up after creating the new key; the old key's DELETE fails after the new one is
 * stored), each owner keeps exactly one active key that works, and a second run ends with every old key
 * deleted on OpenRouter and nothing left behind.
 */
@ExtendWith(SharedInfra.class)
class RotateKeysIT {

    private static final KeyLimits TEACHER = new KeyLimits(new BigDecimal("50"), LimitReset.DAILY);

    @Test
    void interruptedRotationsLeaveOneWorkingKeyPerOwnerAndARerunDeletesEveryOldKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra);
                HikariDataSource ds = Database.open(f.config().requireDatabase(), "rotate-it", 2)) {
            assertThat(f.cli("migrate").exit()).isZero();
            List<OwnerRef> owners = new ArrayList<>();
            List<String> oldHashes = new ArrayList<>();
            JdbcKeyStore store = new JdbcKeyStore(
                    ds, f.schema, f.config().requireCipher(), f.config().cdc().ownerTables(), Clock.systemUTC());
            for (int i = 0; i < 3; i++) {
                OwnerRef owner = OwnerRef.parseKey(f.insertTeacher());
                SimKey key = f.simulator.addKey(owner.key(), TEACHER.limit(), "daily");
                // stored two days ago, as if provisioned then
                ApiKey data = new ApiKey(
                        key.hash(),
                        key.name(),
                        key.label(),
                        false,
                        TEACHER.limit(),
                        TEACHER.reset(),
                        Instant.now().minus(Duration.ofDays(2)));
                store.saveCreated(owner, data, new Secret(key.secret()), TEACHER, 1, null);
                owners.add(owner);
                oldHashes.add(key.hash());
            }
            OwnerRef younger = OwnerRef.parseKey(f.insertTeacher());
            SimKey youngKey = f.simulator.addKey(younger.key(), TEACHER.limit(), "daily");
            store.saveCreated(
                    younger,
                    new ApiKey(
                            youngKey.hash(),
                            youngKey.name(),
                            youngKey.label(),
                            false,
                            TEACHER.limit(),
                            TEACHER.reset(),
                            Instant.now()),
                    new Secret(youngKey.secret()),
                    TEACHER,
                    1,
                    null);

            PipelineFixture.CliRun dry = f.cli("rotate-keys", "--older-than", "1d", "--dry-run");
            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.out())
                    .contains("would_rotate", oldHashes.get(0), oldHashes.get(2))
                    .doesNotContain(youngKey.hash());
            assertThat(f.simulator.count("POST", "/api/v1/keys")).isZero();

            // owner 1: the server creates the new key and hangs up; owner 2: its old key's DELETE fails
            f.simulator.enqueueCreateFaultsFor(owners.get(1).key(), Fault.timeoutAfterCreate(Duration.ZERO));
            f.simulator.enqueueDeleteFaultsFor(owners.get(2).key(), Fault.status(500));
            PipelineFixture.CliRun first = f.cli("rotate-keys", "--older-than", "1d");

            assertThat(first.exit()).as(first.out() + first.err()).isEqualTo(ProvisionerCli.FAILURE);
            assertThat(first.out()).contains("rotated", "failed", "delete_pending");
            assertThat(f.simulator.liveKeysNamed(owners.get(1).key()))
                    .as("the unstored new key")
                    .hasSize(2);
            assertThat(f.simulator.key(oldHashes.get(2)))
                    .as("the old key whose DELETE failed")
                    .isPresent();
            everyOwnerReadsOneWorkingKey(f, ds, owners);

            PipelineFixture.CliRun second = f.cli("rotate-keys", "--older-than", "1d");

            assertThat(second.exit()).as(second.out() + second.err()).isZero();
            assertThat(second.out()).contains("old keys of earlier rotations: 1 deleted, 0 still failing");
            everyOwnerReadsOneWorkingKey(f, ds, owners);
            for (int i = 0; i < owners.size(); i++) {
                assertThat(f.simulator.key(oldHashes.get(i)))
                        .as("old key of " + owners.get(i))
                        .isEmpty();
                assertThat(f.simulator.liveKeysNamed(owners.get(i).key()))
                        .as("keys named like " + owners.get(i))
                        .hasSize(1);
            }
            assertThat(f.simulator.key(youngKey.hash()))
                    .as("a key younger than --older-than")
                    .isPresent();
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where delete_pending"))
                    .isZero();
            assertThat(f.count("select count(*) from " + f.schema
                            + ".ai_key_provision_jobs where attempt_started_at is not null"))
                    .isZero();
            assertThat(first.out() + first.err() + second.out() + second.err()).doesNotContain("sk-or-v1-");

            PipelineFixture.CliRun one = f.cli("rotate-keys", "--owner", younger.key());
            assertThat(one.exit()).as(one.out() + one.err()).isZero();
            assertThat(f.simulator.key(youngKey.hash())).isEmpty();
            everyOwnerReadsOneWorkingKey(f, ds, List.of(younger));
        }
    }

    @Test
    void badOptionsExitTwoNamingTheOption(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            PipelineFixture.CliRun neither = f.cli("rotate-keys");
            PipelineFixture.CliRun both = f.cli("rotate-keys", "--owner", "teacher:1", "--older-than", "1d");
            PipelineFixture.CliRun badOwner = f.cli("rotate-keys", "--owner", "school:1");
            PipelineFixture.CliRun badAge = f.cli("rotate-keys", "--older-than", "soon");

            for (PipelineFixture.CliRun run : List.of(neither, both, badOwner, badAge)) {
                assertThat(run.exit()).as(run.err()).isEqualTo(ProvisionerCli.USAGE);
            }
            assertThat(neither.err()).contains("--owner", "--older-than");
            assertThat(badOwner.err()).contains("--owner must be TYPE:ID");
            assertThat(badAge.err()).contains("--older-than", "soon");
        }
    }

    /** What the application does: reads the one active row, decrypts it, and uses the key on OpenRouter. */
    private static void everyOwnerReadsOneWorkingKey(PipelineFixture f, HikariDataSource ds, List<OwnerRef> owners)
            throws Exception {
        Map<String, String> liveSecretByHash = new java.util.HashMap<>();
        f.simulator.liveKeys().forEach(k -> liveSecretByHash.put(k.hash(), k.secret()));
        for (OwnerRef owner : owners) {
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where owner_type = '"
                            + owner.ownerType() + "' and owner_id = '" + owner.ownerId() + "' and revoked_at is null"))
                    .as("active keys of " + owner)
                    .isEqualTo(1);
            String hash = activeHash(f, owner);
            Secret secret = StoredSecrets.active(
                            ds,
                            Tables.qualified(f.schema, Tables.KEYS),
                            f.config().requireCipher(),
                            owner)
                    .orElseThrow();
            assertThat(liveSecretByHash.get(hash))
                    .as("the stored key of " + owner + " exists on OpenRouter")
                    .isEqualTo(secret.reveal());
        }
    }

    private static String activeHash(PipelineFixture f, OwnerRef owner) throws Exception {
        try (Connection c = f.infra.connect();
                PreparedStatement ps = c.prepareStatement("select key_hash from " + f.schema
                        + ".ai_provider_keys where owner_type = ? and owner_id = ? and revoked_at is null")) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
