package io.provisioner.db.internal;

import io.provisioner.db.schema.SqlNames;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may read the provisioner's objects (CONTRACT section 4, docs/supabase.md), applied on every
 * {@code migrate} and not only once by a versioned migration: roles and blanket grants that arrive later
 * (Supabase's {@code anon}, {@code authenticated}, {@code service_role}, a {@code grant ... on all tables in
 * schema}) must not open the keys. Row level security on, no privilege for {@code PUBLIC}, {@code anon}
 * and {@code authenticated}, and {@code service_role} exactly {@code select} on the jobs, the keys and the
 * public view. Works on the caller's connection and transaction; stateless.
 */
public final class LockDown {

    /** The browser's roles (PostgREST): never a privilege on anything of ours, legacy objects included. */
    private static final List<String> CLIENTS = List.of("public", "anon", "authenticated");

    private static final String SERVICE_ROLE = "service_role";
    private static final List<String> SERVICE_ROLE_READS = List.of(Tables.JOBS, Tables.KEYS, Tables.KEYS_PUBLIC_VIEW);

    private static final String SEQUENCES = "select d.objid::regclass::text from pg_depend d join pg_class s on s.oid"
            + " = d.objid where d.refobjid = ?::oid and d.classid = 'pg_class'::regclass and s.relkind = 'S'"
            + " and d.deptype in ('a', 'i')";

    private static final Logger LOG = LoggerFactory.getLogger(LockDown.class);

    private LockDown() {}

    /**
     * Locks down the contract's objects, the rate limiter's table and the migration history of one schema
     * (those that exist), serialised with any other lock-down of that schema.
     */
    public static void contractObjects(Connection c, String schema, String historyTable) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
            ps.setString(1, "provisioner lock-down " + schema);
            ps.executeQuery().close();
        }
        List<String> grantees = existing(c, withServiceRole());
        for (String name : List.of(
                Tables.JOBS,
                Tables.KEYS,
                Tables.KEYS_PUBLIC_VIEW,
                Tables.RATE_LIMIT,
                Tables.SWEEP_PASSES,
                Tables.POLICIES,
                historyTable)) {
            boolean rowSecurity = !name.equals(Tables.KEYS_PUBLIC_VIEW) && !name.equals(historyTable);
            revoke(c, schema, name, grantees, rowSecurity);
        }
        if (grantees.contains(SERVICE_ROLE)) {
            for (String name : SERVICE_ROLE_READS) {
                if (ShapeInspector.relation(c, schema, name).isPresent()) {
                    exec(c, "grant select on table " + SqlNames.qualify(schema, name) + " to " + SERVICE_ROLE);
                }
            }
            // the platform backend writes the per-owner policies
            if (ShapeInspector.relation(c, schema, Tables.POLICIES).isPresent()) {
                exec(
                        c,
                        "grant select, insert, update, delete on table " + SqlNames.qualify(schema, Tables.POLICIES)
                                + " to " + SERVICE_ROLE);
            }
        }
    }

    /**
     * Locks down one object renamed to {@code <name>_legacy} (the edge function's keys in plaintext): no
     * privilege for {@code PUBLIC}, {@code anon}, {@code authenticated}; row level security on a table.
     */
    public static void legacyObject(Connection c, String schema, String name) throws SQLException {
        revoke(c, schema, name, existing(c, CLIENTS), true);
    }

    private static void revoke(Connection c, String schema, String name, List<String> grantees, boolean rowSecurity)
            throws SQLException {
        Optional<Map.Entry<Long, String>> rel = ShapeInspector.relation(c, schema, name);
        if (rel.isEmpty()) {
            return;
        }
        boolean table = List.of("r", "p").contains(rel.get().getValue());
        String qualified = SqlNames.qualify(schema, name);
        if (!ownedByCurrentUser(c, rel.get().getKey())) {
            // only an owner may take grants back or turn row level security on: a role that runs the
            // pipeline without owning its objects (migrate ran as another) must still start
            LOG.warn(
                    "{} is not owned by this database user: its grants are left as they are; run"
                            + " `provisioner migrate` as its owner to lock it down again",
                    qualified);
            return;
        }
        // ALTER TABLE takes an ACCESS EXCLUSIVE lock, which would queue every running instance's queries
        // behind it on each start: only where row level security is off
        if (rowSecurity && table && !rowSecurityOn(c, rel.get().getKey())) {
            exec(c, "alter table " + qualified + " enable row level security");
        }
        List<String> sequences = sequences(c, rel.get().getKey());
        for (String grantee : grantees) {
            String who = grantee.equals("public") ? "public" : SqlNames.quote(grantee);
            // revoking on the table revokes its column privileges too
            exec(c, "revoke all on table " + qualified + " from " + who);
            for (String sequence : sequences) {
                exec(c, "revoke all on sequence " + sequence + " from " + who);
            }
        }
    }

    private static List<String> withServiceRole() {
        List<String> all = new ArrayList<>(CLIENTS);
        all.add(SERVICE_ROLE);
        return all;
    }

    /** {@code public} and those of the roles that exist. */
    private static List<String> existing(Connection c, List<String> roles) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select 1 from pg_roles where rolname = ?")) {
            for (String role : roles) {
                ps.setString(1, role);
                try (ResultSet rs = ps.executeQuery()) {
                    if (role.equals("public") || rs.next()) {
                        out.add(role);
                    }
                }
            }
        }
        return out;
    }

    private static boolean ownedByCurrentUser(Connection c, long oid) throws SQLException {
        return relationTest(c, "pg_has_role(current_user, relowner, 'USAGE')", oid);
    }

    private static boolean rowSecurityOn(Connection c, long oid) throws SQLException {
        return relationTest(c, "relrowsecurity", oid);
    }

    /** A boolean {@code expression} over the relation's {@code pg_class} row; false when there is none. */
    private static boolean relationTest(Connection c, String expression, long oid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select " + expression + " from pg_class where oid = ?::oid")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Sequences owned by the relation (serial or identity columns), already qualified and quoted. */
    private static List<String> sequences(Connection c, long oid) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SEQUENCES)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
