package io.provisioner.dev;

import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** One reading of the demo's progress, from the database. */
public record Progress(long owners, long activeKeys, long retrying, long dead) {

    public static Progress read(Connection c, String schema) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select"
                        + " (select count(*) from " + schema + ".organizations) + (select count(*) from " + schema
                        + ".teachers),"
                        + " (select count(*) from " + schema + "." + Tables.KEYS + " where revoked_at is null),"
                        + " (select count(*) from " + schema + "." + Tables.JOBS + " where status = 'retrying'),"
                        + " (select count(*) from " + schema + "." + Tables.JOBS + " where status = 'dead')")) {
            rs.next();
            return new Progress(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4));
        }
    }

    public boolean done() {
        return owners > 0 && activeKeys >= owners;
    }
}
