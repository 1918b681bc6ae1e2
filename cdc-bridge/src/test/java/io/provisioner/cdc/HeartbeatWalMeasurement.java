package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A measurement, not part of the build's tests (the name matches neither Surefire's nor Failsafe's
 * patterns): three engines stream from three slots of an idle database while another database of the same
 * server is busy, with no heartbeat, with Debezium's heartbeat alone, and with the heartbeat and its action
 * query (the bridge's setting). It prints the WAL each slot retains over time. Run it with
 * {@code nice ./mvnw -B -o verify -pl cdc-bridge -am -Dtest=NONE -Dit.test=HeartbeatWalMeasurement
 * -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.check.skip=true}; docs/supabase.md has its figures.
 */
@ExtendWith(SharedInfra.class)
class HeartbeatWalMeasurement {

    private static final Duration RUN = Duration.ofSeconds(90);
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);

    @Test
    void printsTheWalEachSlotRetainsWhileAnotherDatabaseIsBusy(Infra infra) throws Exception {
        String busyDb = TestNames.unique("busy");
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute("create database " + busyDb);
        }
        Map<String, String> variants = new LinkedHashMap<>();
        variants.put("no heartbeat", null);
        variants.put("heartbeat only", "");
        variants.put("heartbeat + action query", EngineProperties.HEARTBEAT_QUERY);
        Map<String, String> slots = new LinkedHashMap<>();
        List<EngineRun> runs = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> busy(infra, busyDb, writing), "busy-writer");
        try {
            for (Map.Entry<String, String> v : variants.entrySet()) {
                ProvisionerConfig config = config(infra);
                slots.put(v.getKey(), config.cdc().slotName());
                runs.add(EngineRun.start(properties(config, v.getValue()), HeartbeatWalMeasurement::confirmAll, "m"));
            }
            waitForSlots(infra, slots.values());
            writer.start();
            System.out.printf("%-6s %s%n", "t(s)", String.join(" | ", slots.keySet()) + "   (retained WAL, kB)");
            Map<String, Long> first = retained(infra, slots);
            Map<String, Long> last = first;
            for (long t = 0; t <= RUN.toSeconds(); t += 10) {
                last = retained(infra, slots);
                List<String> row = new ArrayList<>();
                last.values().forEach(b -> row.add(String.format("%8d", b / 1024)));
                System.out.printf("%-6d %s%n", t, String.join(" | ", row));
                Thread.sleep(10_000);
            }
            assertThat(last.get("no heartbeat"))
                    .as("without a heartbeat the idle slot pins WAL")
                    .isGreaterThan(first.get("no heartbeat"));
        } finally {
            writing.set(false);
            writer.join(10_000);
            runs.forEach(EngineRun::close);
            try (Connection c = infra.connect();
                    Statement s = c.createStatement()) {
                for (String slot : slots.values()) {
                    s.execute("select pg_drop_replication_slot('" + slot + "')");
                }
                s.execute("drop database " + busyDb + " with (force)");
            }
        }
    }

    private static ProvisionerConfig config(Infra infra) throws Exception {
        String schema = TestNames.unique("idle");
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute("create schema " + schema);
            s.execute("create table " + schema + ".organizations(id uuid primary key, name text)");
            s.execute("create table " + schema + ".teachers(id uuid primary key, name text)");
        }
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(
                Map.of(
                        "DATABASE_URL", infra.jdbcUrl(),
                        "DATABASE_USER", infra.dbUser(),
                        "DATABASE_PASSWORD", infra.dbPassword(),
                        "KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers(),
                        "PROVISIONER_TOPIC_PREFIX", TestNames.unique("hb"),
                        "PROVISIONER_PARTITIONS", "1",
                        "CDC_TABLES", schema + ".organizations," + schema + ".teachers",
                        "CDC_SLOT_NAME", TestNames.unique("hbslot"),
                        "CDC_PUBLICATION", TestNames.unique("hbpub"),
                        "CDC_HEARTBEAT_INTERVAL_MS", Long.toString(HEARTBEAT.toMillis())),
                Optional.empty()));
        TopicCreator.ensure(KafkaClientSettings.of(config).admin().build(), config.topics(), 1);
        return config;
    }

    /** The bridge's engine settings with no heartbeat (null), the heartbeat alone ("") or with a query. */
    private static Properties properties(ProvisionerConfig config, String actionQuery) {
        Properties p = EngineProperties.build(config);
        if (actionQuery == null) {
            p.setProperty("heartbeat.interval.ms", "0");
        }
        if (actionQuery == null || actionQuery.isEmpty()) {
            p.remove("heartbeat.action.query");
        }
        return p;
    }

    private static void confirmAll(
            List<RecordChangeEvent<SourceRecord>> records,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        for (RecordChangeEvent<SourceRecord> r : records) {
            committer.markProcessed(r);
        }
        committer.markBatchFinished();
    }

    private static void waitForSlots(Infra infra, Iterable<String> slots) throws Exception {
        for (String slot : slots) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> {
                try (Connection c = infra.connect();
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(
                                "select active from pg_replication_slots where slot_name = '" + slot + "'")) {
                    return rs.next() && rs.getBoolean(1);
                }
            });
        }
    }

    private static Map<String, Long> retained(Infra infra, Map<String, String> slots) throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            for (Map.Entry<String, String> e : slots.entrySet()) {
                try (ResultSet rs = s.executeQuery(
                        "select pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint from pg_replication_slots"
                                + " where slot_name = '" + e.getValue() + "'")) {
                    rs.next();
                    out.put(e.getKey(), rs.getLong(1));
                }
            }
        }
        return out;
    }

    /** About 1 MB of WAL a second into a table of another database of the same server. */
    private static void busy(Infra infra, String db, AtomicBoolean writing) {
        String url = infra.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + db + "$1");
        Properties p = new Properties();
        p.setProperty("user", infra.dbUser());
        p.setProperty("password", infra.dbPassword());
        try (Connection c = DriverManager.getConnection(url, p);
                Statement s = c.createStatement()) {
            s.execute("create table filler(id bigserial primary key, pad text)");
            while (writing.get()) {
                s.execute("insert into filler(pad) select repeat('x', 500) from generate_series(1, 200)");
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
