package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.secret.Secret;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/supabase.md's dedicated-role set-up from before ai_key_policies: the publication was created by the
 * database's owner for the two owner tables, and the bridge runs as a role that owns neither. Debezium would
 * fail on {@code ALTER PUBLICATION ... SET TABLE} with a permission error; start-up stops first and says what
 * to run.
 */
@ExtendWith(SharedInfra.class)
class CapturedPublicationIT {

    private TestSchema schema;
    private String publication;
    private String runner;
    private List<String> captured;

    @BeforeEach
    void migratedSchemaWithAPublicationOfTheOwnerTablesOnly(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
        Migrator.migrate(schema.ds, schema.name);
        publication = TestNames.unique("pub");
        runner = TestNames.unique("cdc_runner");
        schema.exec("create publication " + publication + " for table " + schema.name + ".organizations, " + schema.name
                + ".teachers");
        schema.exec("create role " + runner + " login replication password 'runner-pw'");
        // what docs/supabase.md grants the role that streams: it reads the captured tables for the snapshot
        schema.exec("grant usage on schema " + schema.name + " to " + runner);
        schema.exec("grant select on all tables in schema " + schema.name + " to " + runner);
        captured = List.of(schema.name + ".organizations", schema.name + ".teachers", schema.name + ".ai_key_policies");
    }

    @AfterEach
    void dropAll() throws SQLException {
        try {
            schema.exec("drop publication if exists " + publication);
            schema.exec("drop owned by " + runner);
            schema.exec("drop role " + runner);
        } finally {
            schema.close();
        }
    }

    @Test
    void aRoleThatCannotAddThePoliciesTableIsStoppedNamingTheSettingAndTheStatement(Infra infra) {
        try (HikariDataSource runnerDs = Database.open(
                new DatabaseConfig(
                        SupabaseRolesIT.withoutCredentials(infra.jdbcUrl()),
                        Optional.of(runner),
                        Optional.of(new Secret("runner-pw"))),
                runner,
                2)) {
            assertThatThrownBy(() -> CapturedPublication.requireCapturing(runnerDs, publication, captured))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("CDC_PUBLICATION")
                    .hasMessageContaining(schema.name + ".ai_key_policies")
                    .hasMessageContaining("alter publication")
                    .hasMessageNotContaining("runner-pw");
        }
    }

    @Test
    void theOwnerOfBothMayLetDebeziumAddItAndAnAddedTablePasses(Infra infra) throws SQLException {
        assertThatCode(() -> CapturedPublication.requireCapturing(schema.ds, publication, captured))
                .as("the publication's and the table's owner: Debezium's ALTER PUBLICATION will work")
                .doesNotThrowAnyException();

        schema.exec("alter publication " + publication + " add table " + schema.name + ".ai_key_policies");
        try (HikariDataSource runnerDs = Database.open(
                new DatabaseConfig(
                        SupabaseRolesIT.withoutCredentials(infra.jdbcUrl()),
                        Optional.of(runner),
                        Optional.of(new Secret("runner-pw"))),
                runner,
                2)) {
            assertThatCode(() -> CapturedPublication.requireCapturing(runnerDs, publication, captured))
                    .doesNotThrowAnyException();
        }
    }
}
