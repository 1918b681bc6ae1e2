package io.provisioner.db.internal;

import io.provisioner.db.schema.ShapeMismatch;
import io.provisioner.db.schema.SqlNames;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares the objects of the contract's names in one schema with {@link ContractShapes}. A table differs
 * when it is not a table, lacks a contract column, has one of another type family, has an extra
 * {@code NOT NULL} column without a default (the provisioner's inserts would fail), or, for the jobs,
 * lacks a unique constraint on {@code (owner_type, owner_id)}. The view differs when it is not a view or
 * its columns are not exactly the contract's. Extra nullable columns are fine. Read-only; stateless.
 */
public final class ShapeInspector {

    private static final String RELATION = "select c.oid, c.relkind::text from pg_class c"
            + " join pg_namespace n on n.oid = c.relnamespace where n.nspname = ? and c.relname = ?";
    private static final String COLUMNS = "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            + " a.atthasdef or a.attidentity <> '' or a.attgenerated <> '' from pg_attribute a"
            + " where a.attrelid = ?::oid and a.attnum > 0 and not a.attisdropped order by a.attnum";
    private static final String OWNER_UNIQUE = "select count(*) from pg_index i where i.indrelid = ?::oid"
            + " and i.indisunique and i.indpred is null and i.indnkeyatts = 2 and (select array_agg(a.attname::text"
            + " order by a.attname) from pg_attribute a where a.attrelid = i.indrelid and a.attnum = any(i.indkey))"
            + " = array['owner_id', 'owner_type']";

    private record Column(String type, boolean notNull, boolean hasDefault) {}

    private ShapeInspector() {}

    /** The relation's oid and kind ({@code r} table, {@code v} view, ...), when it exists. */
    public static Optional<Map.Entry<Long, String>> relation(Connection c, String schema, String name)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RELATION)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Map.entry(rs.getLong(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /**
     * Whether the edge function's keys table, renamed to {@code ai_provider_keys_legacy}, still holds an
     * OpenRouter key in plaintext: a value starting {@code sk-or-} in any of its text columns. False when
     * there is no such table.
     */
    public static boolean legacyPlaintextKeys(Connection c, String schema) throws SQLException {
        String legacy = Tables.legacy(Tables.KEYS);
        Optional<Map.Entry<Long, String>> rel = relation(c, schema, legacy);
        if (rel.isEmpty()) {
            return false;
        }
        List<String> text = new ArrayList<>();
        columns(c, rel.get().getKey()).forEach((column, got) -> {
            if (ContractShapes.family(got.type()).equals("text")) {
                text.add(SqlNames.quote(column) + "::text like 'sk-or-%'");
            }
        });
        if (text.isEmpty()) {
            return false;
        }
        String sql = "select exists (select 1 from " + SqlNames.qualify(schema, legacy) + " where "
                + String.join(" or ", text) + ")";
        try (PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    /** The objects that differ, jobs, keys, view, policies in this order; empty when all fit or are absent. */
    public static List<ShapeMismatch> mismatches(Connection c, String schema) throws SQLException {
        List<ShapeMismatch> out = new ArrayList<>();
        table(c, schema, Tables.JOBS, ContractShapes.JOB_COLUMNS).ifPresent(out::add);
        table(c, schema, Tables.KEYS, ContractShapes.KEY_COLUMNS).ifPresent(out::add);
        view(c, schema).ifPresent(out::add);
        table(c, schema, Tables.POLICIES, ContractShapes.POLICY_COLUMNS).ifPresent(out::add);
        return out;
    }

    private static Optional<ShapeMismatch> table(Connection c, String schema, String name, Map<String, String> want)
            throws SQLException {
        Optional<Map.Entry<Long, String>> rel = relation(c, schema, name);
        if (rel.isEmpty()) {
            return Optional.empty();
        }
        if (!List.of("r", "p").contains(rel.get().getValue())) {
            return mismatch(name, List.of("is not a table (relkind " + rel.get().getValue() + ")"));
        }
        Map<String, Column> have = columns(c, rel.get().getKey());
        List<String> diffs = new ArrayList<>();
        want.forEach((column, family) -> {
            Column got = have.get(column);
            if (got == null) {
                diffs.add("missing column " + column + " (" + family + ")");
            } else if (!ContractShapes.family(got.type()).equals(family)) {
                diffs.add("column " + column + " is " + got.type() + ", expected " + family);
            }
        });
        have.forEach((column, got) -> {
            if (!want.containsKey(column) && got.notNull() && !got.hasDefault()) {
                diffs.add("extra column " + column + " is NOT NULL without a default");
            }
        });
        if ((name.equals(Tables.JOBS) || name.equals(Tables.POLICIES))
                && have.containsKey("owner_id")
                && !ownerUnique(c, rel.get().getKey())) {
            diffs.add("no unique constraint on (owner_type, owner_id)");
        }
        return mismatch(name, diffs);
    }

    private static Optional<ShapeMismatch> view(Connection c, String schema) throws SQLException {
        Optional<Map.Entry<Long, String>> rel = relation(c, schema, Tables.KEYS_PUBLIC_VIEW);
        if (rel.isEmpty()) {
            return Optional.empty();
        }
        if (!rel.get().getValue().equals("v")) {
            return mismatch(
                    Tables.KEYS_PUBLIC_VIEW,
                    List.of("is not a view (relkind " + rel.get().getValue() + ")"));
        }
        List<String> have = new ArrayList<>(columns(c, rel.get().getKey()).keySet());
        if (isOurView(have)) {
            return Optional.empty();
        }
        List<String> diffs = new ArrayList<>();
        ContractShapes.VIEW_COLUMNS.stream()
                .filter(col -> !have.contains(col))
                .forEach(col -> diffs.add("missing column " + col));
        have.stream()
                .filter(col ->
                        !ContractShapes.VIEW_COLUMNS.contains(col) && !ContractShapes.ADDED_VIEW_COLUMNS.contains(col))
                .forEach(col -> diffs.add("extra column " + col + (col.equals("encrypted_key") ? " (a secret)" : "")));
        if (diffs.isEmpty()) {
            diffs.add("columns in another order: " + String.join(", ", have));
        }
        return mismatch(Tables.KEYS_PUBLIC_VIEW, diffs);
    }

    /** The contract's columns in order, then only columns a later migration of ours added. */
    private static boolean isOurView(List<String> have) {
        int n = ContractShapes.VIEW_COLUMNS.size();
        return have.size() >= n
                && have.subList(0, n).equals(ContractShapes.VIEW_COLUMNS)
                && ContractShapes.ADDED_VIEW_COLUMNS.containsAll(have.subList(n, have.size()));
    }

    private static Optional<ShapeMismatch> mismatch(String name, List<String> diffs) {
        return diffs.isEmpty() ? Optional.empty() : Optional.of(new ShapeMismatch(name, diffs));
    }

    private static Map<String, Column> columns(Connection c, long oid) throws SQLException {
        Map<String, Column> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Column(rs.getString(2), rs.getBoolean(3), rs.getBoolean(4)));
                }
            }
        }
        return out;
    }

    private static boolean ownerUnique(Connection c, long oid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(OWNER_UNIQUE)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }
}
