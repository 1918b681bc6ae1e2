package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedInfra.class)
class MigratorIT {

    private static final List<String> TABLES = List.of("ai_key_provision_jobs", "ai_provider_keys");
    private static final List<String> GUARDED = List.of(
            "ai_key_provision_jobs",
            "ai_provider_keys",
            "v_ai_provider_keys_public",
            "provisioner_rate_limit",
            "provisioner_sweep_passes");

    private TestSchema schema;

    @BeforeEach
    void createSchema(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
    }

    @AfterEach
    void dropSchema() throws SQLException {
        schema.close();
    }

    @Test
    void secondMigrationChangesNothing() throws SQLException {
        MigrationResult first = Migrator.migrate(schema.ds, schema.name);
        List<String> objectsAfterFirst = objects();

        MigrationResult second = Migrator.migrate(schema.ds, schema.name);

        assertThat(first.applied()).isEqualTo(7);
        assertThat(second.applied()).isZero();
        assertThat(second.currentVersion()).isEqualTo(first.currentVersion()).isEqualTo("7");
        assertThat(objects()).isEqualTo(objectsAfterFirst);
        assertThat(objectsAfterFirst.stream().map(o -> o.substring(0, o.indexOf(':'))))
                .contains(
                        "ai_key_provision_jobs",
                        "ai_provider_keys",
                        "v_ai_provider_keys_public",
                        "provisioner_rate_limit",
                        "provisioner_sweep_passes",
                        "provisioner_schema_history",
                        "ai_provider_keys_one_active_per_owner");
    }

    /**
     * An application's own ai_key_policies of another shape is not kept (and locked down) by V6's create
     * table if not exists: migrate stops naming it, and --rename-legacy moves it aside.
     */
    @Test
    void anApplicationsAiKeyPoliciesOfAnotherShapeStopsMigrateOrIsRenamed() throws SQLException {
        schema.exec(
                "create table " + schema.name + ".ai_key_policies (owner_id uuid primary key, cap numeric not null)");

        assertThatThrownBy(() -> Migrator.migrate(schema.ds, schema.name))
                .isInstanceOf(LegacySchemaException.class)
                .hasMessageContaining(schema.name + ".ai_key_policies has another shape")
                .hasMessageContaining("missing column owner_type (text)")
                .hasMessageContaining("column owner_id is uuid, expected text")
                .hasMessageContaining("extra column cap is NOT NULL without a default")
                .hasMessageContaining("no unique constraint on (owner_type, owner_id)")
                .hasMessageContaining("--rename-legacy");

        MigrationResult renamed = Migrator.migrate(schema.ds, schema.name, true);

        assertThat(renamed.renamed()).contains("table ai_key_policies -> ai_key_policies_legacy");
        schema.exec("insert into " + schema.name + ".ai_key_policies (owner_type, owner_id, limit_usd)"
                + " values ('teacher', 't-1', 5)");
    }

    @Test
    void createsItsTablesButNoOwnerTablesInAnEmptySchema(Infra infra) throws SQLException {
        String empty = io.provisioner.testing.TestNames.unique("db_empty");
        try {
            Migrator.migrate(schema.ds, empty);

            assertThat(exists(empty + ".ai_provider_keys")).isTrue();
            assertThat(exists(empty + ".organizations")).isFalse();
            assertThat(exists(empty + ".teachers")).isFalse();
        } finally {
            schema.exec("drop schema if exists " + empty + " cascade");
        }
    }

    @Test
    void rowLevelSecurityIsOnAndNobodyElseHasPrivileges() throws SQLException {
        givenSupabaseRolesWithDefaultGrants();

        Migrator.migrate(schema.ds, schema.name);

        for (String table : TABLES) {
            assertThat(single(
                            "select relrowsecurity from pg_class where oid = to_regclass(?)::oid",
                            schema.name + "." + table))
                    .as("row level security on %s", table)
                    .isEqualTo("t");
        }
        for (String role : List.of("anon", "authenticated", "public")) {
            for (String object : GUARDED) {
                for (String privilege : List.of("select", "insert", "update", "delete")) {
                    assertThat(single(
                                    "select has_table_privilege('" + role + "', ?, '" + privilege + "')::text",
                                    schema.name + "." + object))
                            .as("%s may %s on %s", role, privilege, object)
                            .isEqualTo("false");
                }
            }
            for (String table : TABLES) {
                assertThat(single(
                                "select has_sequence_privilege('" + role
                                        + "', pg_get_serial_sequence(?, 'id'), 'usage')::text",
                                schema.name + "." + table))
                        .as("%s may use the sequence of %s", role, table)
                        .isEqualTo("false");
            }
        }
    }

    @Test
    void aSchemaOfTheVersionBeforeTheUsageColumnsIsUpgradedAndItsViewGainsThem() throws SQLException {
        org.flywaydb.core.Flyway.configure()
                .configuration(Migrator.flyway(schema.ds, schema.name).getConfiguration())
                .target("5")
                .load()
                .migrate();
        assertThat(columns("v_ai_provider_keys_public")).doesNotContain("usage_daily");

        MigrationResult upgrade = Migrator.migrate(schema.ds, schema.name);

        assertThat(upgrade.currentVersion()).isEqualTo("7");
        assertThat(columns("v_ai_provider_keys_public"))
                .contains("usage_total", "usage_daily", "usage_weekly", "usage_monthly", "usage_synced_at");
        assertThat(Migrator.migrate(schema.ds, schema.name).applied()).isZero();
    }

    @Test
    void publicViewHasEveryKeyColumnExceptTheEncryptedKey() throws SQLException {
        Migrator.migrate(schema.ds, schema.name);

        List<String> view = columns("v_ai_provider_keys_public");
        List<String> table = columns("ai_provider_keys");

        assertThat(view).doesNotContain("encrypted_key");
        assertThat(table).contains("encrypted_key");
        assertThat(view)
                .containsExactlyElementsOf(
                        table.stream().filter(c -> !c.equals("encrypted_key")).toList());
    }

    /** Supabase grants everything on new tables to anon and authenticated by default. */
    private void givenSupabaseRolesWithDefaultGrants() throws SQLException {
        for (String role : List.of("anon", "authenticated")) {
            schema.exec("do $$ begin create role " + role + " nologin;"
                    + " exception when duplicate_object then null; end $$");
            schema.exec("alter default privileges in schema " + schema.name + " grant all on tables to " + role);
            schema.exec("alter default privileges in schema " + schema.name + " grant all on sequences to " + role);
        }
        schema.exec("alter default privileges in schema " + schema.name + " grant all on tables to public");
    }

    private List<String> objects() throws SQLException {
        return list(
                "select c.relname || ':' || c.relkind::text || ':' || coalesce(array_to_string(c.relacl, ','), '')"
                        + " from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ?"
                        + " order by c.relname",
                schema.name);
    }

    private List<String> columns(String relation) throws SQLException {
        return list(
                "select column_name from information_schema.columns where table_schema = ? and table_name = '"
                        + relation + "' order by ordinal_position",
                schema.name);
    }

    private boolean exists(String relation) throws SQLException {
        return single("select (to_regclass(?) is not null)::text", relation).equals("true");
    }

    private String single(String sql, String param) throws SQLException {
        List<String> rows = list(sql, param);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private List<String> list(String sql, String param) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }
}
