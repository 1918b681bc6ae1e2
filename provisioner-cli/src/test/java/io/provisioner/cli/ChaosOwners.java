package io.provisioner.cli;

import io.provisioner.testing.Infra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Inserts owners the ways an application does: one row per transaction, several rows in one
 * multi-row {@code INSERT} (rows that share one commit LSN), and transactions that touch both tables.
 * Remembers the record key ({@code <owner_type>:<owner_id>}) of every committed row.
 */
final class ChaosOwners {

    private final Infra infra;
    private final String schema;
    private final Random random;
    private final List<String> inserted = new ArrayList<>();

    ChaosOwners(Infra infra, String schema, Random random) {
        this.infra = infra;
        this.schema = schema;
        this.random = random;
    }

    List<String> inserted() {
        return List.copyOf(inserted);
    }

    /** Inserts one batch of {@code n} owners, in a randomly chosen shape; returns how it was done. */
    String insertBatch(int n) throws SQLException {
        int shape = random.nextInt(3);
        try (Connection c = infra.connect()) {
            if (shape == 0) {
                for (int i = 0; i < n; i++) {
                    multiRowInsert(c, randomTable(), 1);
                }
                return n + " single-row transactions";
            }
            if (shape == 1) {
                multiRowInsert(c, randomTable(), n);
                return "one " + n + "-row INSERT";
            }
            c.setAutoCommit(false);
            int orgs = n / 2;
            multiRowInsert(c, "organizations", orgs);
            multiRowInsert(c, "teachers", n - orgs);
            c.commit();
            return "one transaction of " + orgs + " organizations and " + (n - orgs) + " teachers";
        }
    }

    private String randomTable() {
        return random.nextInt(4) == 0 ? "organizations" : "teachers";
    }

    private void multiRowInsert(Connection c, String table, int rows) throws SQLException {
        if (rows == 0) {
            return;
        }
        boolean org = table.equals("organizations");
        String row = org ? "(?, ?)" : "(?, ?, null)";
        StringBuilder sql = new StringBuilder("insert into " + schema + "." + table + " values ");
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append(row);
        }
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < rows; i++) {
                UUID id = UUID.randomUUID();
                ps.setObject(2 * i + 1, id);
                ps.setString(
                        2 * i + 2, (org ? "Org " : "Teacher ") + id.toString().substring(0, 8));
                keys.add((org ? "organization:" : "teacher:") + id);
            }
            ps.executeUpdate();
        }
        // a row counts once committed; in a transaction the caller commits right after
        inserted.addAll(keys);
    }
}
