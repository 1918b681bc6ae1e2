package io.provisioner.db.internal;

import io.provisioner.db.schema.ShapeMismatch;
import io.provisioner.db.schema.SqlNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Renames objects of the contract's names to {@code <name>_legacy}, together with their indexes (and so
 * their primary key and unique constraints), owned sequences and other constraints whose names start with
 * the object's name, so that the provisioner's own objects can be created under the original names.
 * Each renamed object is locked down at once ({@link LockDown#legacyObject}): the edge function's keys
 * table holds the keys in plaintext, and its grants may let Supabase's {@code anon} read it.
 * Works on the caller's connection and transaction; stateless.
 */
public final class LegacyRenamer {

    /** Indexes, owned sequences (serial or identity), and constraints not backed by an index. */
    private static final String DEPENDENTS = "select 'index', c.relname from pg_index i join pg_class c on c.oid ="
            + " i.indexrelid where i.indrelid = ?::oid"
            + " union all select 'sequence', s.relname from pg_depend d join pg_class s on s.oid = d.objid"
            + " where d.refobjid = ?::oid and d.classid = 'pg_class'::regclass and s.relkind = 'S'"
            + " and d.deptype in ('a', 'i')"
            + " union all select 'constraint', conname from pg_constraint where conrelid = ?::oid and conindid = 0";

    private LegacyRenamer() {}

    /**
     * The names that are taken already, so that nothing would be renamed; empty when renaming can go ahead.
     */
    public static List<String> clashes(Connection c, String schema, List<ShapeMismatch> legacy) throws SQLException {
        List<String> taken = new ArrayList<>();
        for (ShapeMismatch m : legacy) {
            if (ShapeInspector.relation(c, schema, m.legacyName()).isPresent()) {
                taken.add(schema + "." + m.legacyName());
            }
        }
        return taken;
    }

    /** Renames each object and the dependents that carry its name; returns one line per rename. */
    public static List<String> rename(Connection c, String schema, List<ShapeMismatch> legacy) throws SQLException {
        List<String> done = new ArrayList<>();
        for (ShapeMismatch m : legacy) {
            Map.Entry<Long, String> rel =
                    ShapeInspector.relation(c, schema, m.object()).orElseThrow();
            for (String[] dependent : dependents(c, rel.getKey())) {
                if (dependent[1].startsWith(m.object())) {
                    String to =
                            m.legacyName() + dependent[1].substring(m.object().length());
                    exec(c, renameSql(schema, m.object(), dependent, to));
                    done.add(dependent[0] + " " + dependent[1] + " -> " + to);
                }
            }
            String kind =
                    rel.getValue().equals("v") ? "view" : rel.getValue().equals("m") ? "materialized view" : "table";
            exec(
                    c,
                    "alter " + kind + " " + SqlNames.qualify(schema, m.object()) + " rename to "
                            + SqlNames.quote(m.legacyName()));
            done.add(kind + " " + m.object() + " -> " + m.legacyName());
            // the edge function's keys in plaintext, and its grants: closed before anyone reads the new name
            LockDown.legacyObject(c, schema, m.legacyName());
        }
        return done;
    }

    private static String renameSql(String schema, String table, String[] dependent, String to) {
        if (dependent[0].equals("constraint")) {
            return "alter table " + SqlNames.qualify(schema, table) + " rename constraint "
                    + SqlNames.quote(dependent[1]) + " to " + SqlNames.quote(to);
        }
        return "alter " + dependent[0] + " " + SqlNames.qualify(schema, dependent[1]) + " rename to "
                + SqlNames.quote(to);
    }

    private static List<String[]> dependents(Connection c, long oid) throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(DEPENDENTS)) {
            ps.setLong(1, oid);
            ps.setLong(2, oid);
            ps.setLong(3, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new String[] {rs.getString(1), rs.getString(2)});
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
