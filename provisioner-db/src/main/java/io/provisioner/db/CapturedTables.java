package io.provisioner.db;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.Settings;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.SqlNames;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * What the owner tables of {@code CDC_TABLES} must be for every change to name its owner the way the
 * database spells it ({@code id::text}, CONTRACT section 5): a single-column primary key {@code id}, a
 * replica identity that puts that id into every delete, and an id type whose text in change events is its
 * {@code id::text} (not {@code char(n)}, whose padding the events keep, nor {@code bytea}). Checked at start,
 * before anything is captured: a table that fails stops start-up with what to do. Read-only; stateless.
 */
public final class CapturedTables {

    private static final String SHAPE = "select c.relreplident::text,"
            + " (select array_agg(a.attname::text order by k.ord) from pg_index i cross join lateral"
            + " unnest(i.indkey) with ordinality k(attnum, ord) join pg_attribute a on a.attrelid = i.indrelid"
            + " and a.attnum = k.attnum where i.indrelid = c.oid and i.indisprimary),"
            + " (select format_type(a.atttypid, a.atttypmod) from pg_attribute a where a.attrelid = c.oid"
            + " and a.attname = 'id' and a.attnum > 0 and not a.attisdropped),"
            + " (select b.typname::text from pg_attribute a join pg_type t on t.oid = a.atttypid join pg_type b"
            + " on b.oid = case when t.typtype = 'd' then t.typbasetype else t.oid end where a.attrelid = c.oid"
            + " and a.attname = 'id' and a.attnum > 0 and not a.attisdropped),"
            + " coalesce((select bool_or(a.attname = 'id') from pg_index i join pg_attribute a on a.attrelid ="
            + " i.indrelid and a.attnum = any(i.indkey) where i.indrelid = c.oid and i.indisreplident), false)"
            + " from pg_class c where c.oid = to_regclass(?)";

    private static final String LEAVE_OUT = "; or leave the table out of " + Settings.CDC_TABLES.env();

    private CapturedTables() {}

    /**
     * @param tables schema-qualified table to owner type, as {@code CDC_TABLES} gives them; a table that
     *     does not exist is not checked here
     * @throws ConfigException naming {@code CDC_TABLES}, the table, what is wrong and what to do
     */
    public static void requireCapturable(DataSource ds, Map<String, String> tables) {
        List<String> problems = Tx.autoCommit(ds, "inspect " + Settings.CDC_TABLES.env(), c -> {
            List<String> out = new ArrayList<>();
            for (String table : new TreeMap<>(tables).keySet()) {
                problem(c, table).ifPresent(out::add);
            }
            return out;
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(Settings.CDC_TABLES.env(), String.join("; ", problems));
        }
    }

    private static Optional<String> problem(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SHAPE)) {
            ps.setString(1, SqlNames.quoteQualified(table));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.ofNullable(problem(
                        table,
                        rs.getString(1),
                        strings(rs.getArray(2)),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getBoolean(5)));
            }
        }
    }

    /** The problem of one table, or null when it can be captured. */
    static String problem(
            String table,
            String replicaIdentity,
            List<String> primaryKey,
            String idType,
            String idBaseType,
            boolean replicaIndexHasId) {
        String keyAdvice = ": the owner id is the row's single-column primary key id; give the table one ("
                + "alter table " + table + " add primary key (id))" + LEAVE_OUT;
        if (primaryKey.isEmpty()) {
            return "table " + table + " has no primary key" + keyAdvice;
        }
        if (!primaryKey.equals(List.of("id"))) {
            return "table " + table + " has the primary key (" + String.join(", ", primaryKey) + "), not (id)"
                    + keyAdvice;
        }
        if (replicaIdentity.equals("n") || (replicaIdentity.equals("i") && !replicaIndexHasId)) {
            return "table " + table + " has replica identity "
                    + (replicaIdentity.equals("n") ? "nothing" : "using an" + " index without id")
                    + ", so a delete carries no owner id and its key would never be deleted:"
                    + " alter table " + table + " replica identity default" + LEAVE_OUT;
        }
        if ("bpchar".equals(idBaseType)) {
            return "table " + table + " has id of type " + idType + ", whose text in change events keeps its"
                    + " padding while id::text drops it: alter table " + table + " alter column id type text"
                    + " (or varchar)" + LEAVE_OUT;
        }
        if ("bytea".equals(idBaseType)) {
            return "table " + table + " has id of type bytea, which change events spell otherwise than id::text:"
                    + " use uuid, text or a number for id" + LEAVE_OUT;
        }
        return null;
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }
}
