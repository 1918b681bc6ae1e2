package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.secret.Secret;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The roles and default privileges of a Supabase database, created as supabase/postgres's initial schema
 * script does: after {@code migrate}, anon and authenticated read nothing, service_role reads everything.
 */
@ExtendWith(SharedInfra.class)
class SupabaseRolesIT {

    private static final List<String> GUARDED =
            List.of("ai_key_provision_jobs", "ai_provider_keys", "v_ai_provider_keys_public", "ai_key_policies");
    private static final List<String> LOCKED = List.of(
            "ai_key_policies",
            "ai_key_provision_jobs",
            "ai_provider_keys",
            "v_ai_provider_keys_public",
            "provisioner_rate_limit",
            "provisioner_sweep_passes",
            "provisioner_schema_history");

    private TestSchema schema;

    @BeforeEach
    void createSupabaseRoles(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
        createRole("anon", "nologin noinherit");
        createRole("authenticated", "nologin noinherit");
        createRole("service_role", "nologin noinherit bypassrls");
        schema.exec("grant usage on schema " + schema.name + " to anon, authenticated, service_role");
        for (String kind : List.of("tables", "functions", "sequences")) {
            schema.exec("alter default privileges in schema " + schema.name + " grant all on " + kind
                    + " to anon, authenticated, service_role");
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        schema.close();
    }

    @Test
    void anonAndAuthenticatedReadNothingServiceRoleReadsEverything() throws SQLException {
        Migrator.migrate(schema.ds, schema.name);
        givenOneJobAndOneKey();

        for (String role : List.of("anon", "authenticated")) {
            for (String object : GUARDED) {
                assertThatThrownBy(() -> countAs(schema.ds, role, object))
                        .as("%s reads %s", role, object)
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("permission denied for");
            }
        }
        for (String object : GUARDED) {
            assertThat(countAs(schema.ds, "service_role", object))
                    .as("service_role reads %s", object)
                    .isEqualTo(1);
        }
    }

    /**
     * Roles and blanket grants that come after the first migrate (a Supabase project set up later, an
     * operator's {@code grant ... on all tables}): the next migrate, with nothing to apply, takes them back.
     */
    @Test
    void grantsMadeAfterTheFirstMigrateAreTakenBackByTheNext() throws SQLException {
        Migrator.migrate(schema.ds, schema.name);
        givenOneJobAndOneKey();
        String all = "public, anon, authenticated, service_role";
        schema.exec("grant all on all tables in schema " + schema.name + " to " + all);
        schema.exec("grant all on all sequences in schema " + schema.name + " to " + all);
        schema.exec("grant select (key_hash, owner_id) on " + schema.name + ".ai_provider_keys to anon");
        schema.exec("alter default privileges in schema " + schema.name + " grant all on tables to " + all);
        schema.exec("alter table " + schema.name + ".ai_provider_keys disable row level security");
        assertThat(countAs(schema.ds, "anon", "v_ai_provider_keys_public"))
                .as("the blanket grant opened the view")
                .isEqualTo(1);

        MigrationResult again = Migrator.migrate(schema.ds, schema.name);

        assertThat(again.applied()).isZero();
        for (String role : List.of("anon", "authenticated")) {
            for (String object : LOCKED) {
                assertThatThrownBy(() -> countAs(schema.ds, role, object))
                        .as("%s reads %s", role, object)
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("permission denied for");
            }
        }
        assertThat(privileges())
                .as("what PUBLIC, anon, authenticated and service_role may do with the provisioner's objects")
                .containsExactly(
                        "ai_key_policies service_role DELETE",
                        "ai_key_policies service_role INSERT",
                        "ai_key_policies service_role SELECT",
                        "ai_key_policies service_role UPDATE",
                        "ai_key_provision_jobs service_role SELECT",
                        "ai_provider_keys service_role SELECT",
                        "v_ai_provider_keys_public service_role SELECT");
        assertThat(rowSecurity())
                .containsExactly(
                        "ai_key_policies",
                        "ai_key_provision_jobs",
                        "ai_provider_keys",
                        "provisioner_rate_limit",
                        "provisioner_sweep_passes");
        for (String object : GUARDED) {
            assertThat(countAs(schema.ds, "service_role", object))
                    .as("service_role reads %s", object)
                    .isEqualTo(1);
        }
    }

    /** The platform backend (service_role) writes the per-owner policies; anon and authenticated cannot. */
    @Test
    void serviceRoleWritesPoliciesAnonCannot() throws SQLException {
        Migrator.migrate(schema.ds, schema.name);
        String insert = "insert into " + schema.name + ".ai_key_policies (owner_type, owner_id, guardrail_id)"
                + " values ('organization', 'o1', 'g')";

        assertThatThrownBy(() -> execAs("anon", insert)).hasMessageContaining("permission denied for");
        execAs("service_role", insert);

        assertThat(countAs(schema.ds, "service_role", "ai_key_policies")).isEqualTo(1);
    }

    private void execAs(String role, String sql) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("set role " + role);
            try {
                st.execute(sql);
            } finally {
                st.execute("reset role");
            }
        }
    }

    /** Supabase's default privileges are the creating role's: a dedicated owner leaves service_role out. */
    @Test
    void serviceRoleReadsWhenADedicatedRoleRunsMigrate(Infra infra) throws SQLException {
        String owner = TestNames.unique("prov_owner");
        schema.exec("create role " + owner + " login password 'owner-pw'");
        schema.exec("alter schema " + schema.name + " owner to " + owner);
        try (HikariDataSource ownerDs = Database.open(
                new DatabaseConfig(
                        withoutCredentials(infra.jdbcUrl()), Optional.of(owner), Optional.of(new Secret("owner-pw"))),
                owner,
                2)) {
            Migrator.migrate(ownerDs, schema.name);
            givenOneJobAndOneKey();

            for (String object : GUARDED) {
                assertThat(countAs(schema.ds, "service_role", object))
                        .as("service_role reads %s", object)
                        .isEqualTo(1);
                assertThatThrownBy(() -> countAs(schema.ds, "anon", object)).isInstanceOf(SQLException.class);
            }
        } finally {
            schema.exec("alter schema " + schema.name + " owner to current_user");
            schema.exec("reassign owned by " + owner + " to current_user");
            schema.exec("drop owned by " + owner);
            schema.exec("drop role " + owner);
        }
    }

    /**
     * {@code migrate} ran as the objects' owner, and the pipeline runs as a role that may only read and
     * write them: {@code run}, which migrates at start, still starts (only an owner may take grants back),
     * and the objects stay locked down.
     */
    @Test
    void aRoleThatOwnsNothingStillMigratesAtStart(Infra infra) throws SQLException {
        Migrator.migrate(schema.ds, schema.name);
        String runner = TestNames.unique("prov_runner");
        schema.exec("create role " + runner + " login password 'runner-pw'");
        try (HikariDataSource runnerDs = Database.open(
                new DatabaseConfig(
                        withoutCredentials(infra.jdbcUrl()), Optional.of(runner), Optional.of(new Secret("runner-pw"))),
                runner,
                2)) {
            schema.exec("grant usage on schema " + schema.name + " to " + runner);
            schema.exec(
                    "grant select, insert, update, delete on all tables in schema " + schema.name + " to " + runner);
            schema.exec("grant usage on all sequences in schema " + schema.name + " to " + runner);

            MigrationResult atStart = Migrator.migrate(runnerDs, schema.name);

            assertThat(atStart.applied()).isZero();
            for (String object : GUARDED) {
                assertThatThrownBy(() -> countAs(schema.ds, "anon", object)).isInstanceOf(SQLException.class);
            }
        } finally {
            schema.exec("drop owned by " + runner);
            schema.exec("drop role " + runner);
        }
    }

    /** The URL's own user and password would win over the ones given apart. */
    static String withoutCredentials(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?<=[?&])(user|password)=[^&]*&?", "").replaceAll("[?&]$", "");
    }

    private void givenOneJobAndOneKey() throws SQLException {
        schema.exec("insert into " + schema.name
                + ".ai_key_provision_jobs (owner_type, owner_id) values ('teacher', 't1')");
        schema.exec("insert into " + schema.name + ".ai_provider_keys (owner_type, owner_id, key_hash, encrypted_key)"
                + " values ('teacher', 't1', 'h1', 'v1:x')");
        schema.exec("insert into " + schema.name + ".ai_key_policies (owner_type, owner_id, limit_usd)"
                + " values ('teacher', 't1', 5)");
    }

    /** Table and column privileges of PUBLIC and Supabase's roles on the provisioner's objects and sequences. */
    private List<String> privileges() throws SQLException {
        String ours = " n.nspname = '" + schema.name + "' and (c.relname like 'ai\\_%' or c.relname like"
                + " 'v\\_ai\\_%' or c.relname like 'provisioner\\_%')";
        String who = "case when a.grantee = 0 then 'public' else pg_get_userbyid(a.grantee) end";
        String roles =
                " and (a.grantee = 0 or pg_get_userbyid(a.grantee) in ('anon', 'authenticated', 'service_role'))";
        return strings("select c.relname || ' ' || " + who + " || ' ' || a.privilege_type from pg_class c"
                + " join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) a where" + ours + roles
                + " union all select c.relname || '.' || att.attname || ' ' || " + who + " || ' ' || a.privilege_type"
                + " from pg_attribute att join pg_class c on c.oid = att.attrelid join pg_namespace n"
                + " on n.oid = c.relnamespace, aclexplode(att.attacl) a where" + ours + roles + " order by 1");
    }

    private List<String> rowSecurity() throws SQLException {
        return strings("select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where n.nspname = '" + schema.name + "' and c.relrowsecurity order by 1");
    }

    private List<String> strings(String sql) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private long countAs(HikariDataSource ds, String role, String object) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("set role " + role);
            try (ResultSet rs = st.executeQuery("select count(*) from " + schema.name + "." + object)) {
                rs.next();
                return rs.getLong(1);
            } finally {
                st.execute("reset role");
            }
        }
    }

    private void createRole(String role, String options) throws SQLException {
        schema.exec("do $$ begin create role " + role + " " + options + ";"
                + " exception when duplicate_object then null; end $$");
        schema.exec("alter role " + role + " " + options);
    }
}
