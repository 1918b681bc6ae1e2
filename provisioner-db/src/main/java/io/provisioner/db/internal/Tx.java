package io.provisioner.db.internal;

import io.provisioner.core.errors.ErrorClassifier;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import javax.sql.DataSource;

/**
 * Runs work in one transaction and maps database failures onto the core's exceptions. The message of a
 * mapped failure keeps only the first line of the driver's message: the server's "Detail" line may echo
 * row values.
 */
public final class Tx {

    private Tx() {}

    public static <T> T inTransaction(DataSource ds, String operation, SqlWork<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        } catch (SQLException e) {
            throw ErrorClassifier.sql(operation, sanitized(e));
        }
    }

    /**
     * Runs work in auto-commit mode: each statement its own transaction, no commit round trip. For reads
     * that need no atomicity beyond one statement.
     */
    public static <T> T autoCommit(DataSource ds, String operation, SqlWork<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            return work.run(c);
        } catch (SQLException e) {
            throw ErrorClassifier.sql(operation, sanitized(e));
        }
    }

    /** A copy of the exception whose message is only its first line; state, code and stack are kept. */
    public static SQLException sanitized(SQLException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        int newline = message.indexOf('\n');
        String firstLine = newline < 0 ? message : message.substring(0, newline);
        SQLException clean = e instanceof SQLTransientException
                ? new SQLTransientException(firstLine, e.getSQLState(), e.getErrorCode())
                : new SQLException(firstLine, e.getSQLState(), e.getErrorCode());
        clean.setStackTrace(e.getStackTrace());
        return clean;
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(sanitized(e));
        }
    }
}
