package io.provisioner.db.internal;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done on one connection, inside a transaction opened by {@link Tx}. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
}
