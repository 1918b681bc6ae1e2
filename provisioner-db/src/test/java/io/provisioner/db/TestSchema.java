package io.provisioner.db;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.secret.Secret;
import io.provisioner.testing.Infra;
import io.provisioner.testing.TestNames;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;

/** One schema per test, holding minimal {@code organizations} and {@code teachers}; dropped on close. */
final class TestSchema implements AutoCloseable {

    final String name;
    final HikariDataSource ds;

    private TestSchema(String name, HikariDataSource ds) {
        this.name = name;
        this.ds = ds;
    }

    static HikariDataSource pool(Infra infra, String poolName) {
        DatabaseConfig cfg = new DatabaseConfig(
                infra.jdbcUrl(), Optional.of(infra.dbUser()), Optional.of(new Secret(infra.dbPassword())));
        return Database.open(cfg, poolName, 4);
    }

    /** A schema with the owner tables, not migrated yet. */
    static TestSchema create(Infra infra) throws SQLException {
        String name = TestNames.unique("db");
        HikariDataSource ds = pool(infra, name);
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("create schema " + name);
            st.execute("create table " + name + ".organizations (id uuid primary key, name text)");
            st.execute("create table " + name + ".teachers (id uuid primary key, name text, organization_id uuid)");
        }
        return new TestSchema(name, ds);
    }

    /** Owner type to table, as {@code ProvisionerConfig.Cdc.tables()} inverted. */
    Map<String, String> ownerTables() {
        return Map.of("organization", name + ".organizations", "teacher", name + ".teachers");
    }

    void exec(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            exec("drop schema if exists " + name + " cascade");
        } finally {
            ds.close();
        }
    }
}
