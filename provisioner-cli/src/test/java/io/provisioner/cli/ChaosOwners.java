package io.provisioner.cli;

import io.provisioner.testing.Infra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Inserts owners the ways an application does: one row per transaction, several rows in one
 * multi-row {@code INSERT} (rows that share one commit LSN), and transactions that touch both tables;
 * deletes some again, and inserts some of those once more under the same id (an undo, a restore).
 * Remembers the record key ({@code <owner_type>:<owner_id>}) of every committed row, and which exist.
 * Thread-safe: the chaos thread deletes while the test thread inserts.
 */
final class ChaosOwners {

    private final Infra infra;
    private final String schema;
    private final Random random;
    private final List<String> inserted = new ArrayList<>();
    private final Set<String> present = new LinkedHashSet<>();
    private final Set<String> deleted = new LinkedHashSet<>();

    ChaosOwners(Infra infra, String schema, Random random) {
        this.infra = infra;
        this.schema = schema;
        this.random = random;
    }

    /** Every owner inserted, once each (a re-insert under the same id is not counted again). */
    synchronized List<String> inserted() {
        return List.copyOf(inserted);
    }

    /** The owners whose row exists now. */
    synchronized Set<String> present() {
        return Set.copyOf(present);
    }

    /** The owners whose row was deleted and is gone now. */
    synchronized Set<String> gone() {
        return Set.copyOf(deleted);
    }

    /** Deletes {@code n} random owners that exist, each in its own transaction; returns their keys. */
    synchronized List<String> deleteSome(int n) throws SQLException {
        List<String> victims = pick(n);
        delete(victims);
        return victims;
    }

    /** Up to {@code n} random owners that exist now. */
    synchronized List<String> pick(int n) {
        List<String> candidates = new ArrayList<>(present);
        Collections.shuffle(candidates, random);
        return List.copyOf(candidates.subList(0, Math.min(n, candidates.size())));
    }

    /** Deletes these owners' rows, each in its own transaction. */
    synchronized void delete(List<String> keys) throws SQLException {
        try (Connection c = infra.connect()) {
            for (String key : keys) {
                String[] parts = key.split(":", 2);
                try (PreparedStatement ps =
                        c.prepareStatement("delete from " + schema + "." + tableOf(parts[0]) + " where id = ?::uuid")) {
                    ps.setString(1, parts[1]);
                    ps.executeUpdate();
                }
                present.remove(key);
                deleted.add(key);
            }
        }
    }

    /** Inserts these deleted owners again under their old ids, each in its own transaction. */
    synchronized void reinsert(List<String> keys) throws SQLException {
        try (Connection c = infra.connect()) {
            for (String key : keys) {
                String[] parts = key.split(":", 2);
                boolean org = parts[0].equals("organization");
                String sql = "insert into " + schema + "." + tableOf(parts[0])
                        + (org ? " values (?::uuid, ?)" : " values (?::uuid, ?, null)");
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, parts[1]);
                    ps.setString(2, (org ? "Org " : "Teacher ") + parts[1].substring(0, 8) + " again");
                    ps.executeUpdate();
                }
                deleted.remove(key);
                present.add(key);
            }
        }
    }

    private static String tableOf(String ownerType) {
        return ownerType.equals("organization") ? "organizations" : "teachers";
    }

    /** Inserts one batch of {@code n} owners, in a randomly chosen shape; returns how it was done. */
    synchronized String insertBatch(int n) throws SQLException {
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
        present.addAll(keys);
    }
}
