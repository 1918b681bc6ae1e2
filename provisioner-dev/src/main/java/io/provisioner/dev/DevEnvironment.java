package io.provisioner.dev;

import io.provisioner.simulator.OpenRouterSimulator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything {@code provisioner dev} needs and a user would otherwise run: an embedded PostgreSQL with
 * logical replication, a one-node Kafka and the OpenRouter simulator, all on loopback, plus the demo's
 * {@code organizations} and {@code teachers} tables.
 */
public final class DevEnvironment implements AutoCloseable {

    private final Path workDir;
    private final EmbeddedPostgres postgres;
    private final EmbeddedKafka kafka;
    private final OpenRouterSimulator simulator;

    private DevEnvironment(
            Path workDir, EmbeddedPostgres postgres, EmbeddedKafka kafka, OpenRouterSimulator simulator) {
        this.workDir = workDir;
        this.postgres = postgres;
        this.kafka = kafka;
        this.simulator = simulator;
    }

    public static DevEnvironment start() throws Exception {
        return start(true, false);
    }

    /** PostgreSQL and Kafka only, no simulator: {@code provisioner bench-servers}. */
    public static DevEnvironment startServers() throws Exception {
        return start(false, true);
    }

    /** @param durable fsync on, as on a user's server: the bench's servers; the demo keeps zonky's speed */
    private static DevEnvironment start(boolean withSimulator, boolean durable) throws Exception {
        Path dir = Files.createTempDirectory("provisioner-dev");
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        if (durable) {
            // the bench's servers stand for a user's: zonky starts PostgreSQL with -F (no fsync), a later
            // -c fsync=on wins, and every commit then waits for its WAL on disk as on a real server
            builder.setServerConfig("fsync", "on");
        }
        EmbeddedPostgres pg = builder.setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_connections", "200")
                // PostgreSQL's own default (zonky's is off): with it off, a commit reaches logical decoding
                // only when the WAL writer flushes it, up to wal_writer_delay (200 ms) later
                .setServerConfig("synchronous_commit", "on")
                .start();
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        } catch (Exception | Error e) {
            try {
                pg.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            } finally {
                try {
                    deleteTree(dir);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        OpenRouterSimulator sim = withSimulator ? OpenRouterSimulator.start() : null;
        DevEnvironment env = new DevEnvironment(dir, pg, kafka, sim);
        env.createOwnerTables();
        return env;
    }

    private void createOwnerTables() throws SQLException {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            s.execute("create table if not exists public.organizations (id uuid primary key, name text not null)");
            s.execute("create table if not exists public.teachers (id uuid primary key, name text not null,"
                    + " organization_id uuid references public.organizations(id) on delete cascade)");
        }
    }

    public Connection connect() throws SQLException {
        return postgres.getPostgresDatabase().getConnection();
    }

    /**
     * The environment the pipeline reads in the demo: the servers above and a fresh encryption key.
     * Settings the user exported win (e.g. {@code OR_RATE_PER_SEC}).
     */
    public Map<String, String> settings(Map<String, String> userEnv) {
        Map<String, String> env = demoDefaults();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        env.putAll(userEnv);
        env.put("DATABASE_URL", jdbcUrl());
        env.put("DATABASE_USER", "postgres");
        env.put("DATABASE_PASSWORD", "postgres");
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        if (simulator != null) {
            env.put("OPENROUTER_BASE_URL", simulator.baseUrl());
            env.put("OPENROUTER_PROVISIONING_KEY", simulator.managementKey());
        }
        env.put("PROVISIONER_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key));
        env.put("PROVISIONER_STATE_DIR", workDir.resolve("streams").toString());
        env.remove("OPENROUTER_MANAGEMENT_KEY");
        return env;
    }

    /** The demo's settings that the user's win over: rate, backoff, ops port, partitions, CDC heartbeat. */
    public static Map<String, String> demoDefaults() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OR_RATE_PER_SEC", "20");
        env.put("OR_BACKOFF_INITIAL_MS", "2000");
        env.put("OR_BACKOFF_MAX_MS", "30000");
        env.put("PROVISIONER_HTTP_PORT", "0");
        env.put("PROVISIONER_PARTITIONS", "3");
        env.put("CDC_HEARTBEAT_INTERVAL_MS", "2000");
        return env;
    }

    /** The embedded PostgreSQL's JDBC URL (user and password: {@code postgres}). */
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    /** The embedded PostgreSQL as a URL that psql and DATABASE_URL both take. */
    public String databaseUrl() {
        return "postgresql://postgres:postgres@localhost:" + postgres.getPort() + "/postgres";
    }

    /** The simulator; null when started with {@link #startServers()}. */
    public OpenRouterSimulator simulator() {
        return simulator;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public void close() throws IOException {
        // PostgreSQL first, and whatever else fails: a JVM that exits soon after must not leave it running
        try {
            if (simulator != null) {
                simulator.close();
            }
        } finally {
            try {
                postgres.close();
            } finally {
                try {
                    kafka.close();
                } finally {
                    deleteTree(workDir);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
