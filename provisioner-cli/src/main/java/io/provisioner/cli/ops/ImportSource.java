package io.provisioner.cli.ops;

import io.provisioner.core.secret.Secret;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Runs the {@code import-keys} query in a read-only transaction and reads its rows: {@code owner_type},
 * {@code owner_id}, {@code api_key} and optionally {@code key_hash}, by column label, any case.
 */
public final class ImportSource {

    /** The query cannot be used as it is: its message names what is missing, never a value. */
    public static final class BadQueryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadQueryException(String message) {
            super(message);
        }
    }

    private ImportSource() {}

    /**
     * @param wrapSqlFailure turns a failure of the query itself (syntax, unknown table) into the caller's
     *     exception; its message is the server's first line, which holds no row value
     */
    public static List<ImportRow> read(
            DataSource ds, String query, Function<SQLException, RuntimeException> wrapSqlFailure) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(query)) {
                return rows(rs);
            } finally {
                c.rollback();
            }
        } catch (SQLException e) {
            throw wrapSqlFailure.apply(e);
        }
    }

    private static List<ImportRow> rows(ResultSet rs) throws SQLException {
        Map<String, Integer> columns = columns(rs.getMetaData());
        List<String> missing = new ArrayList<>();
        for (String required : List.of("owner_type", "owner_id", "api_key")) {
            if (!columns.containsKey(required)) {
                missing.add(required);
            }
        }
        if (!missing.isEmpty()) {
            throw new BadQueryException("the --query result has no column " + String.join(", ", missing)
                    + " (it must return owner_type, owner_id, api_key and optionally key_hash; has "
                    + String.join(", ", columns.keySet()) + ")");
        }
        Integer hash = columns.get("key_hash");
        List<ImportRow> out = new ArrayList<>();
        while (rs.next()) {
            String secret = rs.getString(columns.get("api_key"));
            out.add(new ImportRow(
                    out.size() + 1,
                    rs.getString(columns.get("owner_type")),
                    rs.getString(columns.get("owner_id")),
                    secret == null ? null : new Secret(secret),
                    hash == null ? null : rs.getString(hash)));
        }
        return out;
    }

    private static Map<String, Integer> columns(ResultSetMetaData meta) throws SQLException {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            out.putIfAbsent(meta.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
        }
        return out;
    }
}
