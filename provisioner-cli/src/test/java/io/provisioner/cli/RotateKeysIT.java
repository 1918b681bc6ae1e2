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
                // stored two days ago, as if provisioned then
                oldHashes.add(storeKey(f, store, owner, Instant.now().minus(Duration.ofDays(2))));
                owners.add(owner);
            }
            OwnerRef younger = OwnerRef.parseKey(f.insertTeacher());
            String youngHash = storeKey(f, store, younger, Instant.now());

            PipelineFixture.CliRun dry = f.cli("rotate-keys", "--older-than", "1d", "--dry-run");
            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.out())
                    .contains("would_rotate", oldHashes.get(0), oldHashes.get(2))
                    .doesNotContain(youngHash);
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
            assertThat(f.simulator.key(youngHash))
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
            assertThat(f.simulator.key(youngHash)).isEmpty();
            everyOwnerReadsOneWorkingKey(f, ds, List.of(younger));
        }
    }

    @Test
    void rotatedKeysAreStoredInTheOwnersGuardrailWithItsPolicyAndKeepTheJobStatus(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra);
                HikariDataSource ds = Database.open(f.config().requireDatabase(), "rotate-it", 2)) {
            String school = f.simulator.addGuardrail("school", new BigDecimal("100"), List.of());
            f.env.put("OR_TEACHER_GUARDRAIL_ID", school);
            assertThat(f.cli("migrate").exit()).isZero();
            JdbcKeyStore store = new JdbcKeyStore(
                    ds, f.schema, f.config().requireCipher(), f.config().cdc().ownerTables(), Clock.systemUTC());
            // a per-owner limit of 7; a dead-lettered owner; a retrying owner whose create is refused; an
            // owner whose policy names a guardrail OpenRouter does not have
            OwnerRef limited = OwnerRef.parseKey(f.insertTeacher());
            OwnerRef dead = OwnerRef.parseKey(f.insertTeacher());
            OwnerRef retrying = OwnerRef.parseKey(f.insertTeacher());
            OwnerRef unknownGuardrail = OwnerRef.parseKey(f.insertTeacher());
            Map<OwnerRef, String> oldHash = new java.util.HashMap<>();
            for (OwnerRef owner : List.of(limited, dead, retrying, unknownGuardrail)) {
                oldHash.put(owner, storeKey(f, store, owner, Instant.now()));
            }
            String unknown = java.util.UUID.randomUUID().toString();
            f.exec("insert into " + f.schema + ".ai_key_policies (owner_type, owner_id, limit_usd, guardrail_id)"
                    + " values ('teacher', '" + limited.ownerId() + "', 7, null), ('teacher', '"
                    + unknownGuardrail.ownerId() + "', null, '" + unknown + "')");
            f.exec("update " + f.schema + ".ai_key_provision_jobs set status = 'dead', attempts = 5"
                    + " where owner_id = '" + dead.ownerId() + "'");
            f.exec("update " + f.schema + ".ai_key_provision_jobs set status = 'retrying', attempts = 3"
                    + " where owner_id = '" + retrying.ownerId() + "'");
            f.simulator.enqueueCreateFaultsFor(retrying.key(), Fault.status(400));

            List<PipelineFixture.CliRun> runs = new ArrayList<>();
            for (OwnerRef owner : List.of(limited, dead, retrying, unknownGuardrail)) {
                runs.add(f.cli("rotate-keys", "--owner", owner.key()));
            }

            assertThat(runs.get(0).exit())
                    .as(runs.get(0).out() + runs.get(0).err())
                    .isZero();
            assertThat(runs.get(1).exit())
                    .as(runs.get(1).out() + runs.get(1).err())
                    .isZero();
            for (OwnerRef owner : List.of(limited, dead)) {
                String hash = activeHash(f, owner);
                assertThat(hash).as("rotated key of " + owner).isNotEqualTo(oldHash.get(owner));
                assertThat(f.simulator.guardrailOfKey(hash))
                        .as("the rotated key of " + owner + " on OpenRouter")
                        .hasValue(school);
                assertThat(storedColumn(f, owner, "guardrail_id"))
                        .as("guardrail_id stored with the key")
                        .isEqualTo(school);
            }
            assertThat(f.simulator.key(activeHash(f, limited)).orElseThrow().limit())
                    .as("the policy's limit on OpenRouter")
                    .isEqualByComparingTo("7");
            assertThat(new BigDecimal(storedColumn(f, limited, "key_limit"))).isEqualByComparingTo("7");
            assertThat(f.simulator.key(activeHash(f, dead)).orElseThrow().limit())
                    .as("the setting's limit without a policy")
                    .isEqualByComparingTo("50");

            assertThat(jobOf(f, limited)).isEqualTo("succeeded 1 null");
            assertThat(jobOf(f, dead)).as("a dead-lettered owner stays dead").isEqualTo("dead 5 null");
            assertThat(runs.get(2).exit()).isEqualTo(ProvisionerCli.FAILURE);
            assertThat(activeHash(f, retrying)).isEqualTo(oldHash.get(retrying));
            assertThat(jobOf(f, retrying))
                    .as("a refused create leaves the job as it was, not processing")
                    .isEqualTo("retrying 3 null");
            PipelineFixture.CliRun status = f.cli("status");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out())
                    .containsPattern("(?m)^ +processing +0$")
                    .containsPattern("(?m)^ +retrying +1$")
                    .containsPattern("(?m)^ +dead +1$");

            // the assignment comes before the store: a key that cannot be assigned is never stored
            PipelineFixture.CliRun notAssigned = runs.get(3);
            assertThat(notAssigned.exit()).isEqualTo(ProvisionerCli.FAILURE);
            assertThat(notAssigned.out()).contains(unknown);
            assertThat(activeHash(f, unknownGuardrail)).isEqualTo(oldHash.get(unknownGuardrail));
            assertThat(f.simulator.liveKeysNamed(unknownGuardrail.key()))
                    .as("the fresh key is deleted again")
                    .extracting(SimKey::hash)
                    .containsExactly(oldHash.get(unknownGuardrail));
            assertThat(f.count("select count(*) from " + f.schema
                            + ".ai_key_provision_jobs where attempt_started_at is not null"))
                    .isZero();
            everyOwnerReadsOneWorkingKey(f, ds, List.of(limited, dead, retrying, unknownGuardrail));
        }
    }

    @Test
    void aLocalRateLimiterIsRefusedNamingTheSetting(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_LIMITER", "local");

            PipelineFixture.CliRun run = f.cli("rotate-keys", "--owner", "teacher:1");

            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(ProvisionerCli.USAGE);
            assertThat(run.err()).contains("OR_RATE_LIMITER", "postgres");
            assertThat(f.simulator.requests()).isEmpty();
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

    /** Stores a new simulator key for {@code owner} with the teacher's limits, as if provisioned then. */
    private static String storeKey(PipelineFixture f, JdbcKeyStore store, OwnerRef owner, Instant createdAt) {
        SimKey key = f.simulator.addKey(owner.key(), TEACHER.limit(), "daily");
        ApiKey data =
                new ApiKey(key.hash(), key.name(), key.label(), false, TEACHER.limit(), TEACHER.reset(), createdAt);
        store.saveCreated(owner, data, new Secret(key.secret()), TEACHER, 1, null);
        return key.hash();
    }

    /** A column of the owner's active key row, as text. */
    private static String storedColumn(PipelineFixture f, OwnerRef owner, String column) throws Exception {
        return ofOwner(
                f,
                owner,
                "select " + column + "::text from " + f.schema
                        + ".ai_provider_keys where owner_type = ? and owner_id = ? and revoked_at is null");
    }

    /** The owner's job as {@code "status attempts attempt_started_at"}. */
    private static String jobOf(PipelineFixture f, OwnerRef owner) throws Exception {
        return ofOwner(
                f,
                owner,
                "select status || ' ' || attempts || ' ' || coalesce(attempt_started_at::text," + " 'null') from "
                        + f.schema + ".ai_key_provision_jobs where owner_type = ? and owner_id = ?");
    }

    private static String activeHash(PipelineFixture f, OwnerRef owner) throws Exception {
        return storedColumn(f, owner, "key_hash");
    }

    /** The first column of the one row {@code select} finds, its two parameters the owner's type and id. */
    private static String ofOwner(PipelineFixture f, OwnerRef owner, String select) throws Exception {
        try (Connection c = f.infra.connect();
                PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as(select).isTrue();
                return rs.getString(1);
            }
        }
    }
}
