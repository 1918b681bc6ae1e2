package io.provisioner.cli.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.cli.Components;
import io.provisioner.cli.Pipeline;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.db.Database;
import io.provisioner.db.Migrator;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

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
        createTables();
    }

    private void createTables() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("drop schema if exists " + schema + " cascade");
            s.execute("create schema " + schema);
            for (String t : List.of("organizations", "teachers")) {
                s.execute("create table " + schema + "." + t + " (id uuid primary key default gen_random_uuid(),"
                        + " name text not null, inserted_at timestamptz not null default clock_timestamp())");
            }
            s.execute("create table " + schema + ".bench_stored (owner_type text, owner_id text,"
                    + " stored_at timestamptz not null default clock_timestamp())");
            s.execute("create function " + schema + ".bench_stored() returns trigger language plpgsql as $$ begin"
                    + " insert into " + schema + ".bench_stored (owner_type, owner_id)"
                    + " values (new.owner_type, new.owner_id); return new; end $$");
        }
        Migrator.migrate(ds, schema);
        sql("create trigger bench_stored after insert on " + schema + ".ai_provider_keys"
                + " for each row execute function " + schema + ".bench_stored()");
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

    /** Inserts {@code n} owners (every fifth an organization) in one statement per table. */
    void insertOwners(int n) throws SQLException {
        int orgs = (n + 4) / 5;
        sql("insert into " + schema + ".organizations (name) select 'org ' || g from generate_series(1, " + orgs
                + ") g");
        sql("insert into " + schema + ".teachers (name) select 'teacher ' || g from generate_series(1, " + (n - orgs)
                + ") g");
    }

    /** Inserts one teacher named {@code name}, committed on return. */
    void insertOne(String name) throws SQLException {
        sql("insert into " + schema + ".teachers (name) values ('" + name + "')");
    }

    void sql(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    double number(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql.replace("{s}", schema))) {
            rs.next();
            return rs.getDouble(1);
        }
    }

    long storedKeys() throws SQLException {
        return (long) number("select count(*) from {s}.ai_provider_keys where revoked_at is null");
    }

    long deadJobs() throws SQLException {
        return (long) number("select count(*) from {s}.ai_key_provision_jobs where status = 'dead'");
    }

    /** OpenRouter calls the instances made, by HTTP status ({@code provisioner_api_calls_total}). */
    double apiCalls(String status) {
        return registries.stream()
                .flatMap(r -> r.find("provisioner.api.calls").counters().stream())
                .filter(c -> status == null || status.equals(c.getId().getTag("status")))
                .mapToDouble(Counter::count)
                .sum();
    }

    /** When each key row was inserted (database clock), ascending. */
    List<java.time.Instant> storedTimes() throws SQLException {
        List<java.time.Instant> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select stored_at from " + schema + ".bench_stored order by 1")) {
            while (rs.next()) {
                out.add(rs.getTimestamp(1).toInstant());
            }
        }
        return out;
    }

    /**
     * Seconds from each owner row's insert (its {@code inserted_at}, {@code clock_timestamp()} of an
     * autocommitted INSERT: its commit, within microseconds) to its key row's insert, both on the
     * database's clock; rows named {@code warmup} left out. Ascending.
     */
    double[] latencies() throws SQLException {
        List<Double> out = new ArrayList<>();
        String sql = "select extract(epoch from b.stored_at - o.inserted_at) from (select 'organization' t, id,"
                + " name, inserted_at from " + schema + ".organizations union all select 'teacher', id, name,"
                + " inserted_at from " + schema + ".teachers) o join " + schema + ".bench_stored b"
                + " on b.owner_type = o.t and b.owner_id = o.id::text where o.name <> 'warmup' order by 1";
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getDouble(1));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    DataSource dataSource() {
        return ds;
    }

    String schema() {
        return schema;
    }

    String requestsTopic() {
        return schema + ".requests";
    }

    /** The Kafka client settings every component gets (bootstrap servers, security, ...). */
    Map<String, Object> kafkaProperties() {
        return ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty()))
                .kafka()
                .baseProperties();
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
                sql(drop);
            } catch (SQLException e) {
                // left behind on a server of the user's: named bench_*, harmless, dropped by hand
            }
        }
        ds.close();
    }
}
