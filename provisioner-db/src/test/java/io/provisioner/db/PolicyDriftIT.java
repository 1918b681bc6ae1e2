package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.core.secret.Secret;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The drift query and the service's comparison ({@code KeyLimits.sameAs}) agree on what is out of step. */
@ExtendWith(SharedInfra.class)
class PolicyDriftIT {

    private TestSchema schema;
    private JdbcKeyStore store;
    private PolicyDrift drift;

    @BeforeEach
    void migrate(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
        Migrator.migrate(schema.ds, schema.name);
        store = new JdbcKeyStore(schema.ds, schema.name, cipher(), schema.ownerTables(), Clock.systemUTC());
        drift = new PolicyDrift(schema.ds, schema.name);
    }

    @AfterEach
    void drop() throws SQLException {
        schema.close();
    }

    /**
     * A key row without a limit (written by an older tool) reads as a cap of 0 in the service. A policy
     * of 0 (an application's own {@code ai_key_policies} may lack the check) then finds nothing to change,
     * so the drift query must not ask for that owner on every pass; a policy of 5 must be asked for.
     */
    @Test
    void aKeyRowWithoutALimitIsOutOfStepExactlyWhenTheServiceWouldChangeIt() throws SQLException {
        OwnerRef teacher = new OwnerRef(OwnerRef.TEACHER, UUID.randomUUID().toString());
        schema.exec("insert into " + schema.name + ".teachers (id) values ('" + teacher.ownerId() + "')");
        schema.exec("insert into " + schema.name + ".ai_provider_keys"
                + " (owner_type, owner_id, key_hash, encrypted_key, key_limit, limit_reset)"
                + " values ('teacher', '" + teacher.ownerId() + "', 'h1', 'v1:legacy', null, 'daily')");
        schema.exec("alter table " + schema.name + ".ai_key_policies drop constraint ai_key_policies_limit_usd_check");
        ProvisionerConfig.Limits limits = ProvisionerConfig.from(
                        ConfigSource.load(Map.of("OR_LIMIT_RESET", "daily"), Optional.empty()))
                .limits();

        for (String policy : new String[] {"0", "5"}) {
            schema.exec("insert into " + schema.name + ".ai_key_policies (owner_type, owner_id, limit_usd)"
                    + " values ('teacher', '" + teacher.ownerId() + "', " + policy + ")"
                    + " on conflict (owner_type, owner_id) do update set limit_usd = excluded.limit_usd");
            OwnerState state = store.load(teacher);
            boolean serviceChangesIt = !limits.desired(teacher.ownerType(), state.policy())
                    .limits()
                    .sameAs(state.activeKey().orElseThrow().limits());

            assertThat(drift.outOfStep(limits, 10).contains(teacher))
                    .as("out of step with a policy of %s", policy)
                    .isEqualTo(serviceChangesIt);
            assertThat(drift.count(limits)).isEqualTo(serviceChangesIt ? 1 : 0);
        }
    }

    /**
     * A guardrail id in upper case (the application's policy row, or a setting) is the guardrail OpenRouter
     * lists in lower case: once the usage sync records the lower-case spelling the key is in step, or the
     * sweep would ask for it again after every sync.
     */
    @Test
    void aGuardrailIdSpelledInUpperCaseIsTheSameGuardrail() throws SQLException {
        OwnerRef teacher = new OwnerRef(OwnerRef.TEACHER, UUID.randomUUID().toString());
        String lower = "550e8400-e29b-41d4-a716-44665544abcd";
        schema.exec("insert into " + schema.name + ".teachers (id) values ('" + teacher.ownerId() + "')");
        ProvisionerConfig.Limits limits = ProvisionerConfig.from(ConfigSource.load(
                        Map.of("OR_LIMIT_RESET", "daily", "OR_TEACHER_GUARDRAIL_ID", lower.toUpperCase(Locale.ROOT)),
                        Optional.empty()))
                .limits();
        KeyLimits desired = limits.desired(
                        teacher.ownerType(), store.load(teacher).policy())
                .limits();
        schema.exec("insert into " + schema.name + ".ai_provider_keys"
                + " (owner_type, owner_id, key_hash, encrypted_key, key_limit, limit_reset, guardrail_id)"
                + " values ('teacher', '" + teacher.ownerId() + "', 'h1', 'v1:x', " + desired.limit() + ", 'daily', '"
                + lower + "')");

        assertThat(limits.desired(teacher.ownerType(), store.load(teacher).policy())
                        .guardrail())
                .hasValue(lower);
        assertThat(drift.count(limits)).isZero();
        schema.exec("insert into " + schema.name + ".ai_key_policies (owner_type, owner_id, guardrail_id)"
                + " values ('teacher', '" + teacher.ownerId() + "', '" + lower.toUpperCase(Locale.ROOT) + "')");
        assertThat(drift.count(limits)).isZero();
        assertThat(limits.desired(teacher.ownerType(), store.load(teacher).policy())
                        .guardrail())
                .hasValue(lower);
    }

    private static KeyCipher cipher() {
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        return KeyCipher.fromBase64(new Secret(Base64.getEncoder().encodeToString(raw)));
    }
}
