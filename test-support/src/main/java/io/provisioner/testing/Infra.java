package io.provisioner.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The servers integration tests run against: one Kafka cluster and one PostgreSQL (with
 * {@code wal_level=logical}), shared by every test of the JVM. Tests isolate themselves by names
 * ({@link TestNames}), never by starting servers of their own.
 */
public interface Infra {

    String bootstrapServers();

    /** A JDBC URL of a database the tests may create tables, slots and publications in. */
    String jdbcUrl();

    String dbUser();

    String dbPassword();

    /** Where the servers come from: {@code embedded}, {@code testcontainers} or {@code external}. */
    String kind();

    /** {@code postgresql://user:pass@host:port/db}, the form users give as {@code DATABASE_URL}. */
    default String databaseUrl() {
        String rest = jdbcUrl().substring("jdbc:postgresql://".length());
        return "postgresql://" + dbUser() + ":" + dbPassword() + "@" + rest;
    }

    default Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", dbUser());
        p.setProperty("password", dbPassword());
        return DriverManager.getConnection(jdbcUrl(), p);
    }
}
