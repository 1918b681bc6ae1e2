package io.provisioner.cli;

import io.provisioner.testing.Infra;
import java.math.BigDecimal;
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
 * Sets per-owner limits in {@code ai_key_policies} as the application does (a row inserted, or its
 * {@code limit_usd} updated). Thread-safe: the chaos threads delete and set policies while the test
 * thread inserts.
 */
final class ChaosOwners {

    private final Infra infra;
    private final String schema;
    private final Random random;
    private final List<String> inserted = new ArrayList<>();
    private final Set<String> present = new LinkedHashSet<>();
    private final Set<String> deleted = new LinkedHashSet<>();
    private final Set<String> withPolicy = new LinkedHashSet<>();
    private int policyInserts;
    private int policyUpdates;

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

    /** Limits (US dollars) a policy row sets; none is an owner type's default. */
    private static final List<BigDecimal> POLICY_LIMITS = List.of(
            new BigDecimal("5"),
            new BigDecimal("7.5"),
            new BigDecimal("12"),
            new BigDecimal("20"),
            new BigDecimal("33.33"));

    /**
     * Sets a random {@code limit_usd} in the policy rows of {@code n} owners, each in its own transaction:
     * about half of them owners that have a row already (an update), the rest owners that exist now (an
     * insert, or an update if they have one). Returns what was set, e.g. {@code teacher:..=7.5}.
     */
    synchronized List<String> changePolicies(int n) throws SQLException {
        List<String> done = new ArrayList<>();
        try (Connection c = infra.connect()) {
            for (int i = 0; i < n; i++) {
                List<String> from =
                        new ArrayList<>(random.nextBoolean() && !withPolicy.isEmpty() ? withPolicy : present);
                if (from.isEmpty()) {
                    break;
                }
                String owner = from.get(random.nextInt(from.size()));
                BigDecimal limit = POLICY_LIMITS.get(random.nextInt(POLICY_LIMITS.size()));
                setPolicy(c, owner, limit);
                done.add(owner + "=" + limit.toPlainString());
            }
        }
        return done;
    }

    /** Sets the owner's policy limit; returns what was set, e.g. {@code teacher:..=7.5}. */
    synchronized String changePolicy(String owner) throws SQLException {
        BigDecimal limit = POLICY_LIMITS.get(random.nextInt(POLICY_LIMITS.size()));
        try (Connection c = infra.connect()) {
            setPolicy(c, owner, limit);
        }
        return owner + "=" + limit.toPlainString();
    }

    private void setPolicy(Connection c, String owner, BigDecimal limit) throws SQLException {
        String[] parts = owner.split(":", 2);
        try (PreparedStatement ps = c.prepareStatement("insert into " + schema
                + ".ai_key_policies (owner_type, owner_id, limit_usd) values (?, ?, ?)"
                + " on conflict (owner_type, owner_id) do update set limit_usd = excluded.limit_usd,"
                + " updated_at = now()")) {
            ps.setString(1, parts[0]);
            ps.setString(2, parts[1]);
            ps.setBigDecimal(3, limit);
            ps.executeUpdate();
        }
        if (withPolicy.add(owner)) {
            policyInserts++;
        } else {
            policyUpdates++;
        }
    }

    /** Policy rows inserted so far. */
    synchronized int policyInserts() {
        return policyInserts;
    }

    /** Policy rows whose limit was changed so far. */
    synchronized int policyUpdates() {
        return policyUpdates;
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
