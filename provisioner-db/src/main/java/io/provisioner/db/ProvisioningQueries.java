package io.provisioner.db;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.db.internal.Columns;
import io.provisioner.db.internal.JobRows;
import io.provisioner.db.internal.KeyRows;
import io.provisioner.db.internal.OwnerTables;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * Queries for {@code provisioner status}, {@code reconcile} and the periodic sweep; read-only apart from
 * {@link #revokeKey}. Owner ids are compared as text ({@code id::text = owner_id}), whatever the type of the
 * owner table's {@code id}: {@code id::text} is the one spelling the pipeline stores. Owners of types
 * without a configured table are ignored. Thread-safe.
 */
public final class ProvisioningQueries {

    private final DataSource ds;
    private final String jobs;
    private final String keys;
    private final OwnerTables owners;
    private final JobRows jobRows;
    private final KeyRows keyRows;
    private final Clock clock;

    /**
     * @param ownerTables owner type to table, e.g. {@code "organization" -> "public.organizations"}
     * @param clock stamps {@link #revokeKey}'s revocation
     */
    public ProvisioningQueries(DataSource ds, String schema, Map<String, String> ownerTables, Clock clock) {
        this.ds = ds;
        this.jobs = Tables.qualified(schema, Tables.JOBS);
        this.keys = Tables.qualified(schema, Tables.KEYS);
        this.owners = new OwnerTables(ownerTables);
        this.jobRows = new JobRows(schema);
        this.keyRows = new KeyRows(schema);
        this.clock = clock;
    }

    /** The owner's active stored key, if any. */
    public Optional<StoredKey> activeKey(OwnerRef owner) {
        return Tx.inTransaction(ds, "read key", c -> keyRows.findActive(c, owner));
    }

    /**
     * Marks the owner's key {@code hash} revoked (OpenRouter no longer has it), leaving the job row to the
     * provisioner, which is then asked to provision the owner again.
     */
    public void revokeKey(OwnerRef owner, String hash) {
        Tx.inTransaction(ds, "revoke lost key", c -> {
            keyRows.revoke(c, owner, hash, clock.instant());
            return null;
        });
    }

    /** The owner's job row, if it has one; unlike {@code KeyStore.load} this never creates one. */
    public Optional<JobState> job(OwnerRef owner) {
        return Tx.inTransaction(ds, "read job", c -> jobRows.find(c, owner));
    }

    /** Number of jobs per status, in status order; statuses without jobs are absent. */
    public Map<String, Long> countsByStatus() {
        return Tx.inTransaction(ds, "count jobs", c -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            String sql = "select status, count(*) from " + jobs + " group by status order by status";
            try (PreparedStatement ps = c.prepareStatement(sql);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            return counts;
        });
    }

    /** The {@code limit} most recently updated jobs that are retrying, dead or carry an error. */
    public List<JobFailure> latestFailures(int limit) {
        String sql = "select owner_type, owner_id, status, attempts, last_error, updated_at from " + jobs
                + " where status in ('retrying', 'dead') or last_error is not null"
                + " order by updated_at desc, id desc limit ?";
        return Tx.inTransaction(ds, "list failures", c -> {
            List<JobFailure> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new JobFailure(
                                new OwnerRef(rs.getString(1), rs.getString(2)),
                                rs.getString(3),
                                rs.getInt(4),
                                rs.getString(5),
                                Columns.instant(rs, 6)));
                    }
                }
            }
            return out;
        });
    }

    /** Every active stored key (revoked_at is null), oldest first. */
    public List<OwnedKey> activeKeys() {
        String sql = "select " + keyColumns("k") + " from " + keys + " k where k.revoked_at is null order by k.id";
        return Tx.inTransaction(ds, "list active keys", c -> ownedKeys(c, sql, ps -> {}));
    }

    /** Active stored keys created (OpenRouter's {@code created_at}) at or after {@code since}, oldest first. */
    public List<OwnedKey> activeKeysCreatedSince(Instant since) {
        String sql = "select " + keyColumns("k") + " from " + keys
                + " k where k.revoked_at is null and k.created_at >= ? order by k.id";
        return Tx.inTransaction(
                ds, "list recent active keys", c -> ownedKeys(c, sql, ps -> Columns.setInstant(ps, 1, since)));
    }

    /** The hashes among {@code hashes} that are stored as an active key. */
    public Set<String> activeHashesAmong(Collection<String> hashes) {
        if (hashes.isEmpty()) {
            return Set.of();
        }
        String sql = "select key_hash from " + keys + " where revoked_at is null and key_hash = any (?)";
        return Tx.inTransaction(ds, "find stored hashes", c -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setArray(1, c.createArrayOf("text", hashes.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    /** Active keys whose owner row no longer exists (only owner types with a configured table). */
    public List<OwnedKey> activeKeysWithoutOwner() {
        return Tx.inTransaction(ds, "list keys without owner", c -> {
            List<OwnedKey> out = new ArrayList<>();
            for (String type : owners.types()) {
                String sql = "select " + keyColumns("k") + " from " + keys + " k"
                        + " where k.revoked_at is null and k.owner_type = ? and not exists (select 1 from "
                        + owners.table(type) + " o where o.id::text = k.owner_id) order by k.id";
                out.addAll(ownedKeys(c, sql, ps -> ps.setString(1, type)));
            }
            return out;
        });
    }

    /** At most {@code limit} owner rows that have no active key, across all owner tables. */
    public List<OwnerRef> ownersWithoutActiveKey(int limit) {
        return Tx.inTransaction(ds, "list owners without key", c -> {
            List<OwnerRef> out = new ArrayList<>();
            for (String type : owners.types()) {
                if (out.size() >= limit) {
                    break;
                }
                String sql = "select o.id::text from " + owners.table(type) + " o where not exists (select 1 from "
                        + keys + " k where k.owner_type = ? and k.owner_id = o.id::text and k.revoked_at is null)"
                        + " limit ?";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, type);
                    ps.setInt(2, limit - out.size());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(new OwnerRef(type, rs.getString(1)));
                        }
                    }
                }
            }
            return out;
        });
    }

    /**
     * At most {@code limit} owner rows without an active key that the sweep should request: owners whose
     * job is not {@code retrying} or {@code dead} (those wait in a retry topic or the DLT) and whose
     * create, if one is in flight, began before {@code inFlightBefore}. The limit applies after that
     * filter, oldest job first (owners never seen first), so no owner waits behind others forever.
     */
    public List<OwnerRef> sweepCandidates(int limit, Instant inFlightBefore) {
        return Tx.inTransaction(ds, "list sweep candidates", c -> {
            List<OwnerRef> out = new ArrayList<>();
            for (String type : owners.types()) {
                if (out.size() >= limit) {
                    break;
                }
                String sql = "select o.id::text from " + owners.table(type) + " o left join " + jobs
                        + " j on j.owner_type = ? and j.owner_id = o.id::text where not exists (select 1 from " + keys
                        + " k where k.owner_type = ? and k.owner_id = o.id::text and k.revoked_at is null)"
                        + " and (j.status is null or (j.status not in ('retrying', 'dead')"
                        + " and (j.attempt_started_at is null or j.attempt_started_at < ?)))"
                        + " order by j.updated_at asc nulls first limit ?";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, type);
                    ps.setString(2, type);
                    Columns.setInstant(ps, 3, inFlightBefore);
                    ps.setInt(4, limit - out.size());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(new OwnerRef(type, rs.getString(1)));
                        }
                    }
                }
            }
            return out;
        });
    }

    /**
     * At most {@code limit} owners whose job is stuck: {@code retrying} with {@code next_attempt_at} before
     * {@code overdueBefore}, or {@code dead} and last updated before it, oldest first, leaving out those
     * {@code skip} accepts (a dead owner whose dead letter still exists). The limit applies after the skip.
     */
    public List<OwnerRef> stuckJobs(Instant overdueBefore, int limit, Predicate<OwnerRef> skip) {
        List<String> types = new ArrayList<>();
        owners.types().forEach(types::add);
        if (types.isEmpty() || limit <= 0) {
            return List.of();
        }
        String sql = "select owner_type, owner_id from " + jobs + " where owner_type in ("
                + String.join(", ", java.util.Collections.nCopies(types.size(), "?")) + ")"
                + " and ((status = 'retrying' and next_attempt_at < ?) or (status = 'dead' and updated_at < ?))"
                + " order by coalesce(next_attempt_at, updated_at), id";
        return Tx.inTransaction(ds, "list stuck jobs", c -> {
            List<OwnerRef> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setFetchSize(500);
                for (int i = 0; i < types.size(); i++) {
                    ps.setString(i + 1, types.get(i));
                }
                Columns.setInstant(ps, types.size() + 1, overdueBefore);
                Columns.setInstant(ps, types.size() + 2, overdueBefore);
                try (ResultSet rs = ps.executeQuery()) {
                    while (out.size() < limit && rs.next()) {
                        OwnerRef owner = new OwnerRef(rs.getString(1), rs.getString(2));
                        if (!skip.test(owner)) {
                            out.add(owner);
                        }
                    }
                }
            }
            return out;
        });
    }

    private static String keyColumns(String alias) {
        return String.join(
                ", ",
                alias + ".owner_type",
                alias + ".owner_id",
                alias + ".key_hash",
                alias + ".key_name",
                alias + ".key_limit",
                alias + ".limit_reset",
                alias + ".created_at",
                alias + ".guardrail_id");
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static List<OwnedKey> ownedKeys(Connection c, String sql, Binder params) throws SQLException {
        List<OwnedKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            params.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new OwnedKey(
                            new OwnerRef(rs.getString("owner_type"), rs.getString("owner_id")), KeyRows.storedKey(rs)));
                }
            }
        }
        return out;
    }
}
