package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.testing.ConnectWorker;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real Kafka Connect cluster in distributed mode, two worker JVMs, running Debezium's PostgreSQL
 * connector with deploy/connect/provisioner-cdc.json and the provisioner's plugin folder, next to the
 * embedded engine on the same tables (each with its own slot, publication and requests topic).
 */
@ExtendWith(SharedInfra.class)
class ConnectClusterIT {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String CONNECTOR = "provisioner-cdc";
    private static final Pattern REQUESTED_AT = Pattern.compile("\"requested_at\":\"([^\"]*)\"");

    private CdcFixture fx;
    private Path dir;
    private final List<ConnectWorker> workers = new ArrayList<>();
    private final String connectSlot = TestNames.unique("slot");
    private final String connectPublication = TestNames.unique("pub");
    private final String connectPrefix = TestNames.unique("connectit");

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        fx = new CdcFixture(infra);
        dir = Files.createDirectories(Path.of("target", "connect-it", connectPrefix));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(connectPrefix + ".requests", 1, (short) 1)))
                    .all()
                    .get();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ConnectWorker w : workers) {
            w.close();
        }
        await().atMost(WAIT).until(() -> !slotActive(connectSlot));
        fx.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + connectSlot
                + "'");
        fx.sql("DROP PUBLICATION IF EXISTS " + connectPublication);
        fx.close();
    }

    @Test
    void connectWritesTheEmbeddedEnginesRequestsAndLosesNoneWhenTheTasksWorkerIsKilled() throws Exception {
        // given the embedded engine and a 2-worker Connect cluster, both streaming the same tables
        fx.start("no_data");
        fx.awaitStreaming();
        ConnectWorker.Setup setup = ConnectWorker.Setup.prepare(dir);
        Map<String, String> env = ConnectWorker.databaseEnvironment(fx.infra);
        String group = connectPrefix + ".connect";
        for (String name : List.of("worker-1", "worker-2")) {
            workers.add(ConnectWorker.start(setup, dir, name, fx.infra.bootstrapServers(), group, env));
        }
        await().atMost(WAIT).until(() -> workers.stream().allMatch(ConnectWorker::isUp));
        assertThat(workers.get(0)
                        .put("/connectors/" + CONNECTOR + "/config", connectorConfig())
                        .statusCode())
                .isEqualTo(201);
        await().atMost(WAIT).until(() -> slotActive(connectSlot));

        // when rows change
        List<String> keys = new ArrayList<>(changeRows(10));

        // then Connect writes each request, byte for byte as the embedded engine does
        await().atMost(WAIT).until(() -> keysOf(read(connectPrefix)).containsAll(keys));
        await().atMost(WAIT).until(() -> read(fx.prefix).size() >= 30);
        assertSameRequests(read(connectPrefix), read(fx.prefix));

        // when the worker that runs the task is killed and rows change meanwhile
        await().atMost(WAIT)
                .until(() -> ConnectWorker.runningTask(workers, CONNECTOR).isPresent());
        ConnectWorker running = ConnectWorker.runningTask(workers, CONNECTOR).orElseThrow();
        running.kill();
        keys.addAll(changeRows(10));

        // then the other worker takes the task and nothing is lost
        ConnectWorker survivor =
                workers.stream().filter(w -> w != running).findFirst().orElseThrow();
        await().atMost(WAIT)
                .until(() -> ConnectWorker.runningTask(workers, CONNECTOR).equals(Optional.of(survivor)));
        await().atMost(WAIT).until(() -> keysOf(read(connectPrefix)).containsAll(keys));
        await().atMost(WAIT).until(() -> read(fx.prefix).size() >= 60);
        assertSameRequests(read(connectPrefix), read(fx.prefix));
    }

    /**
     * The requests equal byte for byte but for {@code requested_at}, the time each side wrote its request:
     * both slots decode the same WAL records, so table, LSN and commit time are the same. Connect may write
     * a request twice after a worker's death (at-least-once, harmless: processing is level-triggered), so
     * the sets are compared.
     */
    private static void assertSameRequests(
            List<ConsumerRecord<String, byte[]>> connect, List<ConsumerRecord<String, byte[]>> embedded) {
        assertThat(distinct(connect)).isEqualTo(distinct(embedded));
        for (ConsumerRecord<String, byte[]> r : connect) {
            assertThat(RequestCodec.decode(r.value()).requestedAt())
                    .as("requested_at of %s", r.key())
                    .isNotNull();
            assertThat(r.headers().toArray()).isEmpty();
        }
    }

    /** Key and value of each record, {@code requested_at} blanked, in the order first seen. */
    private static Set<String> distinct(List<ConsumerRecord<String, byte[]>> records) {
        Set<String> out = new LinkedHashSet<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            assertThat(REQUESTED_AT.matcher(value).find()).as(value).isTrue();
            out.add(r.key() + " " + REQUESTED_AT.matcher(value).replaceAll("\"requested_at\":\"-\""));
        }
        return out;
    }

    /** Inserts {@code n} organizations and {@code n} teachers, renames one and deletes one of each: 3n records. */
    private List<String> changeRows(int n) throws SQLException {
        List<String> keys = new ArrayList<>();
        List<UUID> orgs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UUID org = fx.insertOrganization("Org " + i + " 😀");
            orgs.add(org);
            keys.add("organization:" + org);
            keys.add("teacher:" + fx.insertTeacher("Teacher " + i, org));
        }
        for (int i = 0; i < n / 2; i++) {
            fx.update("UPDATE " + fx.schema + ".organizations SET name = ? WHERE id = ?", "Renamed", orgs.get(i));
        }
        for (int i = n / 2; i < n; i++) {
            fx.update("DELETE FROM " + fx.schema + ".organizations WHERE id = ?", orgs.get(i));
        }
        return keys;
    }

    private String connectorConfig() throws Exception {
        JsonNode root = ConnectWorker.JSON.readTree(Files.readString(ConnectWorker.DEPLOYED_CONNECTOR));
        ObjectNode config = (ObjectNode) root.path("config");
        // the test's own database objects and topic; everything else as deployed
        String tables = fx.schema + ".organizations," + fx.schema + ".teachers";
        config.put("database.sslmode", "disable");
        config.put("slot.name", connectSlot);
        config.put("publication.name", connectPublication);
        config.put(
                "table.include.list",
                EngineProperties.includeList(
                        Map.of(fx.schema + ".organizations", "organization", fx.schema + ".teachers", "teacher")));
        config.put("transforms.provisioning.tables", tables);
        config.put("transforms.provisioning.topic.prefix", connectPrefix);
        config.put("topic.prefix", "provisioner_cdc_" + connectSlot);
        return ConnectWorker.JSON.writeValueAsString(config);
    }

    private List<ConsumerRecord<String, byte[]>> read(String prefix) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", fx.infra.bootstrapServers()),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(prefix + ".requests", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
            return out;
        }
    }

    private static Set<String> keysOf(List<ConsumerRecord<String, byte[]>> records) {
        Set<String> keys = new LinkedHashSet<>();
        records.forEach(r -> keys.add(r.key()));
        return keys;
    }

    private boolean slotActive(String slot) throws SQLException {
        try (Connection c = fx.infra.connect();
                PreparedStatement st =
                        c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
