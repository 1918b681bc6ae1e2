package io.provisioner.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Pipeline;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.TestNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

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
    /** How often the slot and the connector are read; null for the default. */
    java.time.Duration watchEvery;

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
        return start(EnumSet.allOf(Components.class));
    }

    /** Starts only {@code components}, e.g. without CDC to see what the other paths bring in. */
    Pipeline start(Set<Components> components) {
        return start(components, new SimpleMeterRegistry());
    }

    /** As {@link #start(Set)}, recording metrics in {@code registry} (e.g. one that {@code /metrics} serves). */
    Pipeline start(Set<Components> components, MeterRegistry registry) {
        pipeline = new Pipeline(
                config(),
                components,
                registry,
                new Pipeline.Overrides(
                        Map.of("application.id", schema + "-stream"), Map.of("group.id", schema + "-retry"), Map.of()));
        if (watchEvery != null) {
            pipeline.watchEvery(watchEvery);
        }
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

    /** Inserts one teacher with a fresh id; returns its record key {@code teacher:<id>}. */
    String insertTeacher() throws SQLException {
        return insertTeacher(UUID.randomUUID());
    }

    /** Inserts the teacher {@code id}; returns its record key {@code teacher:<id>}. */
    String insertTeacher(UUID id) throws SQLException {
        try (Connection c = infra.connect();
                PreparedStatement ps = c.prepareStatement("insert into " + schema + ".teachers values (?, ?, null)")) {
            ps.setObject(1, id);
            ps.setString(2, "teacher " + id);
            ps.executeUpdate();
        }
        return "teacher:" + id;
    }

    /** An owner's row of {@code ai_key_provision_jobs}. */
    record Job(String status, int attempts, String lastError) {}

    Optional<Job> job(String ownerKey) throws SQLException {
        int colon = ownerKey.indexOf(':');
        try (Connection c = infra.connect();
                PreparedStatement ps = c.prepareStatement("select status, attempts, last_error from " + schema
                        + ".ai_key_provision_jobs where owner_type = ? and owner_id = ?")) {
            ps.setString(1, ownerKey.substring(0, colon));
            ps.setString(2, ownerKey.substring(colon + 1));
            try (var rs = ps.executeQuery()) {
                return rs.next()
                        ? Optional.of(new Job(rs.getString(1), rs.getInt(2), rs.getString(3)))
                        : Optional.empty();
            }
        }
    }

    long count(String sql) throws SQLException {
        try (Connection c = infra.connect();
                Statement s = c.createStatement();
                var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs one SQL statement (or several, separated by semicolons) on the test database. */
    void exec(String sql) throws SQLException {
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Stops the running pipeline gracefully; {@link #start()} runs a new one on the same names. */
    void stop() {
        if (pipeline != null) {
            pipeline.close();
            pipeline = null;
        }
    }

    /** The consumer group of the retry-scheduler here. */
    String retryGroup() {
        return schema + "-retry";
    }

    /** Pipeline health, for {@code /health}; empty while stopped. */
    Map<String, Pipeline.Health> health() {
        return pipeline == null ? Map.of() : pipeline.health();
    }

    /** The consumer group of provisioner-stream here (its application id). */
    String streamGroup() {
        return schema + "-stream";
    }

    /** What one command line printed and returned. */
    record CliRun(int exit, String out, String err) {}

    /** Runs one {@code provisioner} command line with this fixture's settings as its environment. */
    CliRun cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = ProvisionerCli.execute(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    long activeKeys() throws SQLException {
        return count("select count(*) from " + schema + ".ai_provider_keys where revoked_at is null");
    }

    /** Arrival times of the {@code POST /keys} calls for a key named {@code name}, in order. */
    List<Instant> createsNamed(String name) {
        String quoted = "\"" + name + "\"";
        return simulator.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().endsWith("/keys"))
                .filter(r -> r.body() != null && r.body().contains(quoted))
                .map(SimRequest::at)
                .toList();
    }

    /** Every record of {@code <prefix>.dlt} written so far (committed ones). */
    List<ConsumerRecord<byte[], byte[]>> deadLetters() {
        return TopicDump.readAll(infra, schema + ".dlt", "read_committed");
    }

    /**
     * The dead letters once provisioner-stream has committed every request it has: a dead letter is
     * committed with the request's offset (every second), so only then does none mean none.
     */
    List<ConsumerRecord<byte[], byte[]>> deadLettersOnceCommitted() {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofMinutes(1))
                .until(() -> streamLag() == 0);
        return deadLetters();
    }

    /**
     * Records of {@code <prefix>.requests} that provisioner-stream has not committed yet; a partition
     * without a committed offset counts whole.
     */
    long streamLag() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            String topic = schema + ".requests";
            int partitions = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < partitions; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            var ends = admin.listOffsets(latest).all().get();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(streamGroup())
                    .partitionsToOffsetAndMetadata()
                    .get();
            long lag = 0;
            for (TopicPartition tp : latest.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                lag += ends.get(tp).offset() - (c == null ? 0 : c.offset());
            }
            return lag;
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
