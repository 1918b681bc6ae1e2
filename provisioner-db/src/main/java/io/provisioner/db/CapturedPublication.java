package io.provisioner.db;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.Settings;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.SqlNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Whether the publication {@code CDC_PUBLICATION} will capture every table the bridge captures. Debezium
 * (filtered mode) creates a missing publication, and brings an existing one's tables in line with
 * {@code ALTER PUBLICATION ... SET TABLE}, which only the publication's owner (and the owner of each table
 * added) may run. A publication created beforehand by another role, without a table added since (such as
 * {@code ai_key_policies}), would make the bridge fail on a permission error that does not say what to do:
 * this check stops start-up first, naming the setting and the statement to run. Read-only; stateless.
 */
public final class CapturedPublication {

    private static final String STATE = "select p.puballtables, pg_has_role(p.pubowner, 'USAGE'),"
            // by name: to_regclass over pg_publication_tables' rows fails for a role without USAGE on a schema
            // another publication lists ("permission denied for schema ...")
            + " exists (select 1 from pg_publication_tables pt where pt.pubname = p.pubname"
            + " and pt.schemaname = ? and pt.tablename = ?),"
            + " coalesce(pg_has_role((select c.relowner from pg_class c where c.oid = to_regclass(?)), 'USAGE'),"
            + " false), pg_get_userbyid(p.pubowner)"
            + " from pg_publication p where p.pubname = ? and to_regclass(?) is not null";

    private CapturedPublication() {}

    /**
     * @param tables every schema-qualified table the bridge captures; one that does not exist is not checked
     * @throws ConfigException naming {@code CDC_PUBLICATION} when it exists without one of the tables and
     *     this role cannot add it
     */
    public static void requireCapturing(DataSource ds, String publication, Collection<String> tables) {
        List<String> problems = Tx.autoCommit(ds, "inspect " + Settings.CDC_PUBLICATION.env(), c -> {
            List<String> out = new ArrayList<>();
            for (String table : new TreeSet<>(tables)) {
                problem(c, publication, table).ifPresent(out::add);
            }
            return out;
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(Settings.CDC_PUBLICATION.env(), String.join("; ", problems));
        }
    }

    private static Optional<String> problem(Connection c, String publication, String table) throws SQLException {
        String quoted = SqlNames.quoteQualified(table);
        try (PreparedStatement ps = c.prepareStatement(STATE)) {
            int dot = table.indexOf('.');
            ps.setString(1, table.substring(0, dot));
            ps.setString(2, table.substring(dot + 1));
            ps.setString(3, quoted);
            ps.setString(4, publication);
            ps.setString(5, quoted);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.ofNullable(problem(
                        publication,
                        table,
                        rs.getBoolean(1),
                        rs.getBoolean(2),
                        rs.getBoolean(3),
                        rs.getBoolean(4),
                        rs.getString(5)));
            }
        }
    }

    /** The problem of one table of an existing publication, or null when it is or will be captured. */
    static String problem(
            String publication,
            String table,
            boolean allTables,
            boolean ownsPublication,
            boolean hasTable,
            boolean ownsTable,
            String owner) {
        if (allTables || hasTable || (ownsPublication && ownsTable)) {
            return null;
        }
        return "publication " + publication + " exists without table " + table + ", and this role cannot add it"
                + " (that takes owning the publication, owned by " + owner + ", and the table), so its changes"
                + " would never be captured: as " + owner + " run alter publication " + SqlNames.quote(publication)
                + " add table " + SqlNames.quoteQualified(table);
    }
}
