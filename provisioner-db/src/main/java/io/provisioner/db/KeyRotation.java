package io.provisioner.db;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Re-encrypts every row of {@code ai_provider_keys} (revoked ones too) in batches of {@link #BATCH}
 * rows, one short transaction each, so that the running pipeline is never blocked for long.
 */
final class KeyRotation {

    static final int BATCH = 50;

    private record Row(long id, String aad, String ciphertext) {}

    private final DataSource ds;
    private final String table;

    KeyRotation(DataSource ds, String schema) {
        this.ds = ds;
        this.table = Tables.qualified(schema, Tables.KEYS);
    }

    RotationResult rotate(KeyCipher oldCipher, KeyCipher newCipher) {
        int[] counts = new int[3];
        long after = Long.MIN_VALUE;
        while (true) {
            long from = after;
            Long last =
                    Tx.inTransaction(ds, "rotate encryption key", c -> batch(c, from, oldCipher, newCipher, counts));
            if (last == null) {
                return new RotationResult(counts[0], counts[1], counts[2]);
            }
            after = last;
        }
    }

    /** Re-encrypts one batch of rows with id greater than {@code after}; returns the last id, or null at the end. */
    private Long batch(Connection c, long after, KeyCipher oldCipher, KeyCipher newCipher, int[] counts)
            throws SQLException {
        List<Row> rows = select(c, after);
        for (Row row : rows) {
            if (decrypts(newCipher, row)) {
                counts[1]++;
            } else if (decrypts(oldCipher, row)) {
                String secret = oldCipher.decrypt(row.ciphertext(), row.aad()).reveal();
                update(c, row.id(), newCipher.encrypt(secret, row.aad()));
                counts[0]++;
            } else {
                counts[2]++;
            }
        }
        return rows.isEmpty() ? null : rows.get(rows.size() - 1).id();
    }

    private List<Row> select(Connection c, long after) throws SQLException {
        String sql = "select id, owner_type || ':' || owner_id, encrypted_key from " + table
                + " where id > ? order by id limit " + BATCH + " for update";
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, after);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        return rows;
    }

    private void update(Connection c, long id, String ciphertext) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update " + table + " set encrypted_key = ? where id = ?")) {
            ps.setString(1, ciphertext);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    private static boolean decrypts(KeyCipher cipher, Row row) {
        try {
            cipher.decrypt(row.ciphertext(), row.aad());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
