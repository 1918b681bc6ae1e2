package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link JdbcKeyStore#load} finds an owner under any spelling of its id and answers with {@code id::text}. */
@ExtendWith(SharedInfra.class)
class OwnerSpellingIT {

    private TestSchema schema;
    private JdbcKeyStore store;

    @BeforeEach
    void migrate(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
        schema.exec("drop table " + schema.name + ".organizations, " + schema.name + ".teachers");
        schema.exec("create table " + schema.name + ".organizations (id char(8) primary key)");
        schema.exec("create table " + schema.name + ".teachers (id bigint primary key)");
        schema.exec("insert into " + schema.name + ".organizations values ('ab')");
        schema.exec("insert into " + schema.name + ".teachers values (7)");
        Migrator.migrate(schema.ds, schema.name);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        store = new JdbcKeyStore(
                schema.ds,
                schema.name,
                KeyCipher.fromBase64(new io.provisioner.core.secret.Secret(
                        Base64.getEncoder().encodeToString(key))),
                schema.ownerTables(),
                Clock.systemUTC());
    }

    @AfterEach
    void drop() throws SQLException {
        schema.close();
    }

    @Test
    void everySpellingOfAnIdLoadsTheOneCanonicalOwner() {
        for (OwnerRef requested :
                List.of(new OwnerRef("teacher", "7"), new OwnerRef("teacher", "007"), new OwnerRef("teacher", "+7"))) {
            OwnerState state = store.load(requested);
            assertThat(state.ownerExists()).as(requested.key()).isTrue();
            assertThat(state.ownerOr(requested)).isEqualTo(new OwnerRef("teacher", "7"));
        }
        for (OwnerRef requested :
                List.of(new OwnerRef("organization", "ab"), new OwnerRef("organization", "ab      "))) {
            OwnerState state = store.load(requested);
            assertThat(state.ownerExists()).as(requested.key()).isTrue();
            assertThat(state.ownerOr(requested)).isEqualTo(new OwnerRef("organization", "ab"));
        }
    }

    @Test
    void aFailureRecordedUnderAnotherSpellingLandsOnTheCanonicalJob() {
        store.load(new OwnerRef("teacher", "7"));

        store.markRetrying(new OwnerRef("teacher", "007"), 1, "HTTP 500", java.time.Instant.now());

        ProvisioningQueries queries =
                new ProvisioningQueries(schema.ds, schema.name, schema.ownerTables(), Clock.systemUTC());
        assertThat(queries.job(new OwnerRef("teacher", "7")))
                .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo(JobStatus.RETRYING));
        assertThat(queries.job(new OwnerRef("teacher", "007"))).isEmpty();
    }

    @Test
    void anIdTheColumnTypeRejectsOrWouldCutIsAnOwnerThatDoesNotExist() {
        assertThat(store.load(new OwnerRef("teacher", "abc")).ownerExists()).isFalse();
        assertThat(store.load(new OwnerRef("teacher", "99999999999999999999999"))
                        .ownerExists())
                .isFalse();
        assertThat(store.load(new OwnerRef("organization", "ab      x")).ownerExists())
                .isFalse();
        assertThat(new ProvisioningQueries(schema.ds, schema.name, schema.ownerTables(), Clock.systemUTC())
                        .countsByStatus())
                .as("no job row for an owner that does not exist")
                .isEmpty();
    }
}
