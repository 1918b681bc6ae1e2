package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.testing.EdgeFunctionSchema;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code migrate} on a schema that still holds the edge function's tables and view. */
@ExtendWith(SharedInfra.class)
class LegacyMigrationIT {

    private static final List<String> LEGACY =
            List.of("ai_key_provision_jobs_legacy", "ai_provider_keys_legacy", "v_ai_provider_keys_public_legacy");

    private TestSchema schema;

    @BeforeEach
    void createLegacySchema(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
        try (Connection c = schema.ds.getConnection()) {
            EdgeFunctionSchema.create(c, schema.name);
        }
        schema.exec("insert into " + schema.name + ".ai_provider_keys (owner_type, owner_id, api_key)"
                + " values ('teacher', gen_random_uuid(), 'sk-or-v1-plain')");
        schema.exec("insert into " + schema.name + ".ai_key_provision_jobs (owner_type, owner_id, status)"
                + " values ('teacher', gen_random_uuid(), 'done')");
    }

    @AfterEach
    void dropSchema() throws SQLException {
        schema.close();
    }

    @Test
    void refusesEdgeFunctionObjectsNamingWhatDiffersAndChangesNothing() throws SQLException {
        List<String> before = objects();

        assertThatThrownBy(() -> Migrator.migrate(schema.ds, schema.name))
                .isInstanceOf(LegacySchemaException.class)
                .hasMessageContaining(schema.name + ".ai_key_provision_jobs has another shape")
                .hasMessageContaining("missing column updated_at (timestamptz)")
                .hasMessageContaining("missing column next_attempt_at (timestamptz)")
                .hasMessageContaining("column owner_id is uuid, expected text")
                .hasMessageContaining(schema.name + ".ai_provider_keys has another shape")
                .hasMessageContaining("missing column encrypted_key (text)")
                .hasMessageContaining("extra column api_key is NOT NULL without a default")
                .hasMessageContaining(schema.name + ".v_ai_provider_keys_public has another shape")
                .hasMessageContaining("missing column key_name")
                .hasMessageContaining("Nothing was changed")
                .hasMessageContaining("--rename-legacy")
                .hasMessageNotContaining("sk-or-v1-plain");

        assertThat(objects()).isEqualTo(before);
        assertThat(exists("provisioner_schema_history")).isFalse();
    }

    @Test
    void renameLegacyKeepsTheirRowsAndCreatesTheContractObjects() throws SQLException {
        MigrationResult result = Migrator.migrate(schema.ds, schema.name, true);

        assertThat(result.currentVersion()).isEqualTo("7");
        assertThat(result.renamed())
                .contains(
                        "table ai_key_provision_jobs -> ai_key_provision_jobs_legacy",
                        "table ai_provider_keys -> ai_provider_keys_legacy",
                        "view v_ai_provider_keys_public -> v_ai_provider_keys_public_legacy");
        assertThat(count("ai_provider_keys_legacy")).isEqualTo(1);
        assertThat(count("v_ai_provider_keys_public_legacy")).isEqualTo(1);
        assertThat(count("ai_key_provision_jobs_legacy")).isEqualTo(1);
        assertThat(count("ai_provider_keys")).isZero();
        assertThat(count("v_ai_provider_keys_public")).isZero();
        assertThat(columns("ai_key_provision_jobs")).contains("updated_at", "next_attempt_at");
        assertThat(columns("ai_provider_keys")).contains("encrypted_key").doesNotContain("api_key");
        // the legacy serial sequence and primary key were renamed with their table, so ours could be created
        assertThat(exists("ai_key_provision_jobs_legacy_id_seq")).isTrue();
        assertThat(exists("ai_key_provision_jobs_legacy_pkey")).isTrue();
        assertThat(exists("ai_key_provision_jobs_pkey")).isTrue();
        schema.exec("insert into " + schema.name + ".ai_key_provision_jobs_legacy (owner_type, owner_id)"
                + " values ('organization', gen_random_uuid())");
        assertThat(count("ai_key_provision_jobs_legacy")).isEqualTo(2);

        MigrationResult again = Migrator.migrate(schema.ds, schema.name, true);
        assertThat(again.applied()).isZero();
        assertThat(again.renamed()).isEmpty();
        assertThat(Migrator.migrate(schema.ds, schema.name).applied()).isZero();
    }

    /**
     * The edge function's tables as a Supabase project holds them, readable by the anon key: renamed, they
     * are closed to PUBLIC, anon and authenticated, with row level security on; a grant made on them later
     * is taken back by the next migrate, which warns while plaintext keys remain.
     */
    @Test
    void renameLegacyLocksTheLegacyObjectsDownAndWarnsWhilePlaintextKeysRemain() throws SQLException {
        for (String role : List.of("anon", "authenticated")) {
            schema.exec("do $$ begin create role " + role + " nologin;"
                    + " exception when duplicate_object then null; end $$");
        }
        schema.exec("grant usage on schema " + schema.name + " to anon, authenticated");
        schema.exec("grant all on all tables in schema " + schema.name + " to public, anon, authenticated");
        schema.exec("grant all on all sequences in schema " + schema.name + " to public, anon, authenticated");
        assertThat(readable("anon", "ai_provider_keys")).isTrue();

        MigrationResult result = Migrator.migrate(schema.ds, schema.name, true);

        for (String role : List.of("anon", "authenticated", "public")) {
            for (String legacy : LEGACY) {
                assertThat(readable(role, legacy))
                        .as("%s reads %s", role, legacy)
                        .isFalse();
            }
            assertThat(strings("select has_sequence_privilege('" + role + "', '" + schema.name
                                    + ".ai_key_provision_jobs_legacy_id_seq', 'usage')")
                            .get(0))
                    .as("%s uses the legacy sequence", role)
                    .isEqualTo("f");
        }
        assertThat(rowSecurity("ai_provider_keys_legacy")).isTrue();
        assertThat(rowSecurity("ai_key_provision_jobs_legacy")).isTrue();
        String warning = schema.name + ".ai_provider_keys_legacy holds OpenRouter keys in plaintext";
        assertThat(result.warnings()).singleElement().asString().contains(warning, "drop it");
        assertThat(String.join("\n", result.warnings())).doesNotContain("sk-or-v1-plain");

        schema.exec("grant select on " + schema.name + ".ai_provider_keys_legacy to anon");
        MigrationResult again = Migrator.migrate(schema.ds, schema.name);
        assertThat(readable("anon", "ai_provider_keys_legacy")).isFalse();
        assertThat(again.warnings()).singleElement().asString().contains(warning);
        assertThat(Migrator.warnings(schema.ds, schema.name)).isEqualTo(again.warnings());

        schema.exec("update " + schema.name + ".ai_provider_keys_legacy set api_key = 'adopted'");
        assertThat(Migrator.migrate(schema.ds, schema.name).warnings()).isEmpty();
        schema.exec("drop table " + schema.name + ".ai_provider_keys_legacy cascade");
        assertThat(Migrator.warnings(schema.ds, schema.name)).isEmpty();
    }

    /** An identity column and an index named like one of ours: both must move, or ours would not be created. */
    @Test
    void renameLegacyMovesIdentitySequencesAndIndexesNamedLikeOurs() throws SQLException {
        schema.exec("drop view " + schema.name + ".v_ai_provider_keys_public");
        schema.exec("drop table " + schema.name + ".ai_provider_keys");
        schema.exec("create table " + schema.name + ".ai_provider_keys (id bigint generated always as identity"
                + " primary key, owner_type text, owner_id text, secret text not null)");
        schema.exec("create unique index ai_provider_keys_one_active_per_owner on " + schema.name
                + ".ai_provider_keys (owner_type, owner_id)");

        Migrator.migrate(schema.ds, schema.name, true);

        assertThat(exists("ai_provider_keys_legacy_id_seq")).isTrue();
        assertThat(exists("ai_provider_keys_legacy_one_active_per_owner")).isTrue();
        assertThat(strings("select indrelid::regclass::text from pg_index where indexrelid = '" + schema.name
                                + ".ai_provider_keys_one_active_per_owner'::regclass")
                        .get(0))
                .isEqualTo(schema.name + ".ai_provider_keys");
        assertThat(columns("ai_provider_keys")).contains("encrypted_key");
    }

    @Test
    void renameLegacyRefusesWhenALegacyNameIsTakenAndChangesNothing() throws SQLException {
        schema.exec("create table " + schema.name + ".ai_provider_keys_legacy (id int)");
        List<String> before = objects();

        assertThatThrownBy(() -> Migrator.migrate(schema.ds, schema.name, true))
                .isInstanceOf(LegacySchemaException.class)
                .hasMessageContaining("Cannot rename: " + schema.name + ".ai_provider_keys_legacy exist(s) already");

        assertThat(objects()).isEqualTo(before);
    }

    private boolean readable(String role, String relation) throws SQLException {
        return strings("select has_table_privilege('" + role + "', '" + schema.name + "." + relation + "', 'select')")
                .get(0)
                .equals("t");
    }

    private boolean rowSecurity(String table) throws SQLException {
        return strings("select relrowsecurity from pg_class where oid = '" + schema.name + "." + table + "'::regclass")
                .get(0)
                .equals("t");
    }

    private List<String> objects() throws SQLException {
        return strings("select c.relname || ':' || c.relkind::text from pg_class c join pg_namespace n"
                + " on n.oid = c.relnamespace where n.nspname = '" + schema.name + "' order by 1");
    }

    private List<String> columns(String relation) throws SQLException {
        return strings("select column_name from information_schema.columns where table_schema = '" + schema.name
                + "' and table_name = '" + relation + "' order by ordinal_position");
    }

    private boolean exists(String relation) throws SQLException {
        return strings("select to_regclass('" + schema.name + "." + relation + "') is not null")
                .get(0)
                .equals("t");
    }

    private long count(String relation) throws SQLException {
        return Long.parseLong(
                strings("select count(*) from " + schema.name + "." + relation).get(0));
    }

    private List<String> strings(String sql) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
