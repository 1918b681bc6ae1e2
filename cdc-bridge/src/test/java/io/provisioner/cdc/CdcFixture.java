package io.provisioner.cdc;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.time.Ticker;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.TestNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One isolated CDC set-up per test: its own schema with minimal {@code organizations} and
 * {@code teachers} tables, slot, publication and topic prefix; bridges started through it are closed,
 * and the slot, publication and schema dropped, by {@link #close()}.
 */
final class CdcFixture implements AutoCloseable {

    static final CdcBridge.Timings FAST = new CdcBridge.Timings(Duration.ofMillis(500), Duration.ofSeconds(1));

    /** One request as read back from the topic, with the record key. */
    record Published(String key, ProvisionRequest request) {}

    final Infra infra;
    final String schema = TestNames.unique("cdc");
    final String slot = TestNames.unique("slot");
    final String publication = TestNames.unique("pub");
    final String prefix = TestNames.unique("cdcit");
    private final List<CdcBridge> bridges = new ArrayList<>();
    private KafkaConsumer<String, byte[]> consumer;
    private final List<Published> seen = new ArrayList<>();

    CdcFixture(Infra infra) throws SQLException {
        this.infra = infra;
        sql("CREATE SCHEMA " + schema);
        sql("CREATE TABLE " + schema + ".organizations(id uuid primary key, name text)");
        sql("CREATE TABLE " + schema + ".teachers(id uuid primary key, name text, organization_id uuid)");
        // as the process does before its components start: the bridge does not create them
        ProvisionerConfig config = config("no_data");
        TopicCreator.ensure(
                KafkaClientSettings.of(config).admin().build(),
                config.topics(),
                config.kafka().partitions());
    }

    ProvisionerConfig config(String snapshotMode) {
        return ProvisionerConfig.from(ConfigSource.load(
                Map.of(
                        "DATABASE_URL",
                        infra.jdbcUrl(),
                        "DATABASE_USER",
                        infra.dbUser(),
                        "DATABASE_PASSWORD",
                        infra.dbPassword(),
                        "KAFKA_BOOTSTRAP_SERVERS",
                        infra.bootstrapServers(),
                        "PROVISIONER_TOPIC_PREFIX",
                        prefix,
                        "PROVISIONER_PARTITIONS",
                        "1",
                        "CDC_TABLES",
                        schema + ".organizations," + schema + ".teachers",
                        "CDC_SLOT_NAME",
                        slot,
                        "CDC_PUBLICATION",
                        publication,
                        "CDC_SNAPSHOT_MODE",
                        snapshotMode),
                Optional.empty()));
    }

    CdcBridge start(String snapshotMode) {
        return start(snapshotMode, new SimpleMeterRegistry());
    }

    CdcBridge start(String snapshotMode, SimpleMeterRegistry registry) {
        CdcBridge bridge = manage(
                new CdcBridge(config(snapshotMode), Map.of(), registry, FAST, Clock.systemUTC(), Ticker.system()));
        bridge.start();
        return bridge;
    }

    /** Closes the bridge with the fixture. */
    CdcBridge manage(CdcBridge bridge) {
        bridges.add(bridge);
        return bridge;
    }

    /** Waits until some bridge streams from the slot, so that later commits are captured. */
    void awaitStreaming() {
        await().atMost(Duration.ofSeconds(90)).until(() -> slotActive().orElse(false));
    }

    UUID insertOrganization(String name) throws SQLException {
        UUID id = UUID.randomUUID();
        update("INSERT INTO " + schema + ".organizations(id, name) VALUES (?, ?)", id, name);
        return id;
    }

    UUID insertTeacher(String name, UUID organization) throws SQLException {
        UUID id = UUID.randomUUID();
        update(
                "INSERT INTO " + schema + ".teachers(id, name, organization_id) VALUES (?, ?, ?)",
                id,
                name,
                organization);
        return id;
    }

    void update(String sql, Object... args) throws SQLException {
        try (Connection c = infra.connect();
                PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            st.executeUpdate();
        }
    }

    void sql(String sql) throws SQLException {
        try (Connection c = infra.connect();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Ends the database session through which a bridge holds the leadership lock of this slot. */
    void killLeaderLockSession() throws SQLException {
        sql("SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = '"
                + LeaderLock.APPLICATION_NAME_PREFIX + slot + "'");
    }

    long currentLsn() throws SQLException {
        try (Connection c = infra.connect();
                ResultSet rs =
                        c.createStatement().executeQuery("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    Optional<Boolean> slotActive() throws SQLException {
        try (Connection c = infra.connect();
                PreparedStatement st =
                        c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBoolean(1)) : Optional.empty();
            }
        }
    }

    /** Every request published to {@code <prefix>.requests} so far, oldest first. */
    synchronized List<Published> published() {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(
                    Map.of("bootstrap.servers", infra.bootstrapServers()),
                    new StringDeserializer(),
                    new ByteArrayDeserializer());
            TopicPartition tp = new TopicPartition(prefix + ".requests", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            seen.add(new Published(r.key(), RequestCodec.decode(r.value())));
        }
        return List.copyOf(seen);
    }

    List<Published> publishedFor(String key) {
        return published().stream().filter(p -> p.key().equals(key)).toList();
    }

    @Override
    public void close() throws SQLException {
        for (CdcBridge b : bridges) {
            b.close();
        }
        if (consumer != null) {
            consumer.close();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> !slotActive().orElse(false));
        if (slotActive().isPresent()) {
            sql("SELECT pg_drop_replication_slot('" + slot + "')");
        }
        sql("DROP PUBLICATION IF EXISTS " + publication);
        sql("DROP SCHEMA " + schema + " CASCADE");
    }
}
