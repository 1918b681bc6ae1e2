package io.provisioner.dev.bench;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.db.Database;
import io.provisioner.runtime.Components;
import io.provisioner.stream.ProvisionerStreamApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/**
 * One scenario's pipeline, isolated like the integration tests isolate theirs: its own schema (owner
 * tables whose rows carry their insert time, and a trigger that records when each key row was stored),
 * topic prefix, slot and publication; one JVM also its own application id and group. Its instances run as
 * the {@link Deployment} says: in the bench's JVM or as processes.
 */
final class BenchPipeline implements AutoCloseable {

    private final String schema;
    private final Map<String, String> settings;
    private final Deployment deployment;
    private final List<Deployment.Instance> instances = new ArrayList<>();
    private final com.zaxxer.hikari.HikariDataSource ds;
    private final BenchTables tables;
    private final List<Path> stateDirs = new ArrayList<>();

    BenchPipeline(String schema, Map<String, String> base, Map<String, String> scenario, Deployment deployment)
            throws SQLException {
        this.schema = schema;
        this.deployment = deployment;
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

    /**
     * The settings of instance {@code instance}: the scenario's, with a state directory of its own (a
     * temporary one, deleted on {@link #close()}).
     */
    Map<String, String> settings(int instance) {
        Map<String, String> s = new HashMap<>(settings);
        try {
            Path dir = Files.createTempDirectory("bench-" + schema + "-" + instance);
            stateDirs.add(dir);
            s.put("PROVISIONER_STATE_DIR", dir.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return s;
    }

    /**
     * Starts every component with {@code provisioners} instances of the provisioner, as the deployment lays
     * them out (one JVM: the first instance runs all components; as deployed: a {@code cdc,retry} process
     * and {@code provisioners} {@code provisioner} processes, spawned side by side); returns once each is
     * ready (its {@code /health} answers 200).
     */
    BenchPipeline start(int provisioners) throws Exception {
        List<Deployment.Instance> started = new ArrayList<>();
        for (Set<Components> components : deployment.layout(provisioners)) {
            started.add(spawn(components));
        }
        for (Deployment.Instance i : started) {
            i.awaitReady(ProcessDeployment.readyTimeout());
        }
        return this;
    }

    /** Starts one more instance running {@code components}; returns once it is ready. */
    Deployment.Instance startInstance(Set<Components> components) throws Exception {
        Deployment.Instance i = spawn(components);
        i.awaitReady(ProcessDeployment.readyTimeout());
        return i;
    }

    /**
     * Starts one more instance running {@code components}: as deployed, returns once the process is spawned
     * ({@link Deployment.Instance#awaitReady} waits for it); in one JVM, once it is started.
     */
    Deployment.Instance spawn(Set<Components> components) throws Exception {
        Deployment.Instance i = deployment.start(schema, instances.size(), settings(instances.size()), components);
        instances.add(i);
        return i;
    }

    List<Deployment.Instance> instances() {
        return instances;
    }

    Deployment deployment() {
        return deployment;
    }

    /** How many instances run the provisioner. */
    private long provisioners() {
        return instances.stream()
                .filter(i -> i.components().contains(Components.PROVISIONER))
                .count();
    }

    /**
     * Waits until the provisioner's consumer group is stable with a member for every stream thread of
     * every instance, every partition assigned, and has stayed so for two seconds: a rebalance inside a
     * measured window would be measured as lost rate.
     */
    boolean awaitSettledGroup(Duration timeout) throws Exception {
        String group = deployment.streamGroup(schema);
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty()));
        int partitions = config.kafka().partitions();
        long members = provisioners() * ProvisionerStreamApp.streamThreads(config);
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

    /** The tails of the instances' logs (as deployed), for a failure report. */
    String logTails(int lines) {
        StringBuilder b = new StringBuilder();
        for (Deployment.Instance i : instances) {
            b.append(i.tail(lines));
        }
        return b.toString();
    }

    @Override
    public void close() {
        for (int i = instances.size() - 1; i >= 0; i--) {
            instances.get(i).beginClose();
        }
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
        for (Path dir : stateDirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // a temporary directory left behind
            }
        }
        stateDirs.clear();
    }
}
