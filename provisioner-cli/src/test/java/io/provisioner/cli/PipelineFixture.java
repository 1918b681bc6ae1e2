package io.provisioner.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One isolated pipeline on the shared servers: its own schema with {@code organizations} and
 * {@code teachers}, topic prefix, slot, publication, Streams application id, consumer group and state
 * directory, and a fresh simulator. Everything is dropped on close.
 */
final class PipelineFixture implements AutoCloseable {

    final Infra infra;
    final String schema = TestNames.unique("e2e");
    final OpenRouterSimulator simulator = OpenRouterSimulator.start();
    final Map<String, String> env = new HashMap<>();
    private final Path stateDir;
    private Pipeline pipeline;

    PipelineFixture(Infra infra) throws Exception {
        this.infra = infra;
        this.stateDir = Files.createTempDirectory("e2e-streams");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        env.put("DATABASE_URL", infra.jdbcUrl());
        env.put("DATABASE_USER", infra.dbUser());
        env.put("DATABASE_PASSWORD", infra.dbPassword());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("OPENROUTER_BASE_URL", simulator.baseUrl());
        env.put("OPENROUTER_PROVISIONING_KEY", simulator.managementKey());
        env.put("PROVISIONER_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
        env.put("PROVISIONER_TOPIC_PREFIX", schema);
        env.put("PROVISIONER_PARTITIONS", "3");
        env.put("PROVISIONER_STATE_DIR", stateDir.toString());
        env.put("CDC_TABLES", schema + ".organizations," + schema + ".teachers");
        env.put("CDC_SLOT_NAME", schema);
        env.put("CDC_PUBLICATION", schema + "_pub");
        env.put("CDC_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("OR_RATE_PER_SEC", "50");
        env.put("OR_BACKOFF_INITIAL_MS", "500");
        env.put("OR_BACKOFF_MAX_MS", "2000");
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute("create schema " + schema);
            s.execute("create table " + schema + ".organizations (id uuid primary key, name text)");
            s.execute("create table " + schema + ".teachers (id uuid primary key, name text, organization_id uuid)");
        }
    }

    ProvisionerConfig config() {
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }

    Pipeline start() {
        pipeline = new Pipeline(
                config(),
                EnumSet.allOf(Components.class),
                new SimpleMeterRegistry(),
                new Pipeline.Overrides(
                        Map.of("application.id", schema + "-stream"), Map.of("group.id", schema + "-retry"), Map.of()));
        return pipeline.start();
    }

    /** Inserts {@code n} owners (every fifth an organization) in one statement; returns their record keys. */
    List<String> insertOwners(int n) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Connection c = infra.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement org = c.prepareStatement("insert into " + schema + ".organizations values (?, ?)");
                    PreparedStatement t =
                            c.prepareStatement("insert into " + schema + ".teachers values (?, ?, null)")) {
                for (int i = 0; i < n; i++) {
                    UUID id = UUID.randomUUID();
                    boolean isOrg = i % 5 == 0;
                    PreparedStatement ps = isOrg ? org : t;
                    ps.setObject(1, id);
                    ps.setString(2, "O'Brien \"quoted\" \uD83C\uDF93 #" + i);
                    ps.executeUpdate();
                    keys.add((isOrg ? "organization:" : "teacher:") + id);
                }
            }
            c.commit();
        }
        return keys;
    }

    long count(String sql) throws SQLException {
        try (Connection c = infra.connect();
                Statement s = c.createStatement();
                var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws Exception {
        if (pipeline != null) {
            pipeline.close();
        }
        simulator.close();
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
                    + schema + "'");
            s.execute("drop publication if exists " + schema + "_pub");
            s.execute("drop schema " + schema + " cascade");
        }
    }
}
