package io.provisioner.db;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.JobState;
import io.provisioner.db.internal.Columns;
import io.provisioner.db.internal.JobRows;
import io.provisioner.db.internal.KeyRows;
import io.provisioner.db.internal.OwnerTables;
import io.provisioner.db.internal.SqlNames;
import io.provisioner.db.internal.Tx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Read-only queries for {@code provisioner status}, {@code reconcile} and the periodic sweep. Owner ids
 * are compared as text ({@code id::text = owner_id}), whatever the type of the owner table's {@code id}.
 * Owners of types without a configured table are ignored. Thread-safe.
 */
public final class ProvisioningQueries {

    private final DataSource ds;
    private final String jobs;
    private final String keys;
    private final OwnerTables owners;
    private final JobRows jobRows;

    /** @param ownerTables owner type to table, e.g. {@code "organization" -> "public.organizations"} */
    public ProvisioningQueries(DataSource ds, String schema, Map<String, String> ownerTables) {
        this.ds = ds;
        this.jobs = SqlNames.qualify(schema, "ai_key_provision_jobs");
        this.keys = SqlNames.qualify(schema, "ai_provider_keys");
        this.owners = new OwnerTables(ownerTables);
        this.jobRows = new JobRows(schema);
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
        return Tx.inTransaction(ds, "list active keys", c -> ownedKeys(c, sql, null));
    }

    /** Active keys whose owner row no longer exists (only owner types with a configured table). */
    public List<OwnedKey> activeKeysWithoutOwner() {
        return Tx.inTransaction(ds, "list keys without owner", c -> {
            List<OwnedKey> out = new ArrayList<>();
            for (String type : owners.types()) {
                String sql = "select " + keyColumns("k") + " from " + keys + " k"
                        + " where k.revoked_at is null and k.owner_type = ? and not exists (select 1 from "
                        + owners.table(type) + " o where o.id::text = k.owner_id) order by k.id";
                out.addAll(ownedKeys(c, sql, type));
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

    private static String keyColumns(String alias) {
        return String.join(
                ", ",
                alias + ".owner_type",
                alias + ".owner_id",
                alias + ".key_hash",
                alias + ".key_name",
                alias + ".key_limit",
                alias + ".limit_reset",
                alias + ".created_at");
    }

    private static List<OwnedKey> ownedKeys(Connection c, String sql, String typeOrNull) throws SQLException {
        List<OwnedKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (typeOrNull != null) {
                ps.setString(1, typeOrNull);
            }
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
