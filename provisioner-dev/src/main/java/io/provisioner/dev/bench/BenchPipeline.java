package io.provisioner.dev.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.db.Database;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Pipeline;
import io.provisioner.stream.ProvisionerStreamApp;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/**
 * One scenario's pipeline, isolated like the integration tests isolate theirs: its own schema (owner
 * tables whose rows carry their insert time, and a trigger that records when each key row was stored),
 * topic prefix, slot, publication, application id and group; one or more in-process instances.
 */
final class BenchPipeline implements AutoCloseable {

    private final String schema;
    private final Map<String, String> settings;
    /** One registry per instance: a registry gets its meter filters from the one Pipeline that fills it. */
    private final List<MeterRegistry> registries = new ArrayList<>();

    private final List<Pipeline> instances = new ArrayList<>();
    private final com.zaxxer.hikari.HikariDataSource ds;
    private final BenchTables tables;

    BenchPipeline(String schema, Map<String, String> base, Map<String, String> scenario) throws SQLException {
        this.schema = schema;
        this.settings = new HashMap<>(base);
        settings.put("PROVISIONER_TOPIC_PREFIX", schema);
        settings.put("CDC_TABLES", schema + ".organizations," + schema + ".teachers");
        settings.put("CDC_SLOT_NAME", schema);
        settings.put("CDC_PUBLICATION", schema + "_pub");
        settings.put("PROVISIONER_SWEEP_INTERVAL", "0s");
        settings.putAll(scenario);
        this.ds = Database.open(
                ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty()))
                        .requireDatabase(),
                "bench-" + schema,
                4);
        this.tables = new BenchTables(ds, schema);
        tables.create();
    }

    ProvisionerConfig config(int instance) {
        Map<String, String> s = new HashMap<>(settings);
        try {
            s.put(
                    "PROVISIONER_STATE_DIR",
                    Files.createTempDirectory("bench-" + schema + "-" + instance)
                            .toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return ProvisionerConfig.from(ConfigSource.load(s, Optional.empty()));
    }

    /** Starts one instance with every component and {@code more} with the provisioner only. */
    BenchPipeline start(int more) {
        return start(EnumSet.allOf(Components.class), more);
    }

    BenchPipeline start(Set<Components> first, int more) {
        instances.add(newInstance(0, first).start());
        for (int i = 1; i <= more; i++) {
            instances.add(newInstance(i, EnumSet.of(Components.PROVISIONER)).start());
        }
        return this;
    }

    private Pipeline newInstance(int i, Set<Components> components) {
        MeterRegistry registry = new SimpleMeterRegistry();
        registries.add(registry);
        return new Pipeline(
                config(i),
                components,
                registry,
                new Pipeline.Overrides(
                        Map.of("application.id", schema + "-stream"), Map.of("group.id", schema + "-retry"), Map.of()));
    }

    /**
     * Waits until the provisioner's consumer group is stable with a member for every stream thread of
     * every instance, every partition assigned, and has stayed so for two seconds: a rebalance inside a
     * measured window would be measured as lost rate.
     */
    boolean awaitSettledGroup(Duration timeout) throws Exception {
        String group = schema + "-stream";
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty()));
        int partitions = config.kafka().partitions();
        int members = instances.size() * ProvisionerStreamApp.streamThreads(config);
        long deadline = System.nanoTime() + timeout.toNanos();
        long settledSince = 0;
        try (Admin admin = Admin.create(kafka().admin().build())) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group))
                        .describedGroups()
                        .get(group)
                        .get();
                int assigned = d.members().stream()
                        .mapToInt(m -> m.assignment().topicPartitions().stream()
                                .filter(tp -> tp.topic().equals(requestsTopic()))
                                .mapToInt(tp -> 1)
                                .sum())
                        .sum();
                boolean settled =
                        d.groupState() == GroupState.STABLE && d.members().size() == members && assigned == partitions;
                if (!settled) {
                    settledSince = 0;
                } else if (settledSince == 0) {
                    settledSince = System.nanoTime();
                } else if (System.nanoTime() - settledSince > 2_000_000_000L) {
                    return true;
                }
                Thread.sleep(200);
            }
        }
        return false;
    }

    /** OpenRouter calls the instances made, by HTTP status ({@code provisioner_api_calls_total}). */
    double apiCalls(String status) {
        return registries.stream()
                .flatMap(r -> r.find("provisioner.api.calls").counters().stream())
                .filter(c -> status == null || status.equals(c.getId().getTag("status")))
                .mapToDouble(Counter::count)
                .sum();
    }

    /** The scenario's tables: owners to insert, keys and times to read. */
    BenchTables tables() {
        return tables;
    }

    String schema() {
        return schema;
    }

    String requestsTopic() {
        return schema + ".requests";
    }

    /** The Kafka client settings of the scenario's clients, as the components get theirs. */
    KafkaClientSettings kafka() {
        return KafkaClientSettings.of(ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty())));
    }

    @Override
    public void close() {
        for (int i = instances.size() - 1; i >= 0; i--) {
            instances.get(i).close();
        }
        instances.clear();
        for (String drop : List.of(
                "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '" + schema
                        + "' and not active",
                "drop publication if exists " + schema + "_pub",
                "drop schema if exists " + schema + " cascade")) {
            try {
                tables.sql(drop);
            } catch (SQLException e) {
                // left behind on a server of the user's: named bench_*, harmless, dropped by hand
            }
        }
        ds.close();
    }
}
