package io.provisioner.dev.bench;

import io.provisioner.db.Migrator;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A scenario's schema: owner tables whose rows carry their insert time, the pipeline's own tables, and a
 * trigger that records when each key row was stored; the queries the figures are made of.
 */
final class BenchTables {
    private final DataSource ds;
    private final String schema;

    BenchTables(DataSource ds, String schema) {
        this.ds = ds;
        this.schema = schema;
    }

    /** Creates the schema afresh, migrates it as the pipeline would, and adds the trigger. */
    void create() throws SQLException {

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
        sql("create trigger bench_stored after insert on " + schema + "." + Tables.KEYS
                + " for each row execute function " + schema + ".bench_stored()");
    }

    /** Inserts {@code n} owners (every fifth an organization) in one statement per table. */
    void insertOwners(int n) throws SQLException {
        int orgs = (n + 4) / 5;
        sql("insert into " + schema + ".organizations (name) select 'org ' || g from generate_series(1, " + orgs
                + ") g");
        sql("insert into " + schema + ".teachers (name) select 'teacher ' || g from generate_series(1, " + (n - orgs)
                + ") g");
    }

    /** Inserts {@code n} teachers named {@code warmup <i>}, left out of the latencies, in one statement. */
    void insertWarmUp(int n) throws SQLException {
        sql("insert into " + schema + ".teachers (name) select 'warmup ' || g from generate_series(1, " + n + ") g");
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
        return (long) number("select count(*) from {s}." + Tables.KEYS + " where revoked_at is null");
    }

    long deadJobs() throws SQLException {
        return (long) number("select count(*) from {s}." + Tables.JOBS + " where status = 'dead'");
    }

    /** When each key row was inserted (database clock), ascending. */
    List<Instant> storedTimes() throws SQLException {
        List<Instant> out = new ArrayList<>();
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
     * database's clock; rows named {@code warmup...} left out. Ascending.
     */
    double[] latencies() throws SQLException {
        List<Double> out = new ArrayList<>();
        String sql = "select extract(epoch from b.stored_at - o.inserted_at) from (select 'organization' t, id,"
                + " name, inserted_at from " + schema + ".organizations union all select 'teacher', id, name,"
                + " inserted_at from " + schema + ".teachers) o join " + schema + ".bench_stored b"
                + " on b.owner_type = o.t and b.owner_id = o.id::text where o.name not like 'warmup%' order by 1";
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getDouble(1));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
