package io.provisioner.db.internal;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.core.ports.KeyPolicy;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Reads what is for one owner (row exists, active key, job) in one statement, so in one round trip and
 * from one snapshot; the first look at an owner that has a key but no job row inserts a {@code pending}
 * one. Stateless apart from the table names.
 */
public final class OwnerStateRead {

    /** The columns {@link #policy} reads, from the owner's {@code ai_key_policies} row joined as {@code p}. */
    public static final String POLICY_COLUMNS =
            "p.limit_usd as policy_limit, p.limit_reset as policy_reset, p.guardrail_id as policy_guardrail";

    private final OwnerTables owners;
    private final JobRows jobs;
    private final String keysTable;
    private final String jobsTable;
    private final String policiesTable;

    public OwnerStateRead(String schema, OwnerTables owners, JobRows jobs) {
        this.owners = owners;
        this.jobs = jobs;
        this.keysTable = Tables.qualified(schema, Tables.KEYS);
        this.jobsTable = Tables.qualified(schema, Tables.JOBS);
        this.policiesTable = Tables.qualified(schema, Tables.POLICIES);
    }

    /**
     * @param c a connection in auto-commit mode or in a transaction
     * @param requested the owner as the request spells it
     */
    public OwnerState read(Connection c, OwnerRef requested, Instant now) throws SQLException {
        // one spelling per owner: teacher:007 is teacher:7 and gets no key of its own
        Optional<OwnerRef> canonical = owners.canonical(c, requested);
        OwnerRef o = canonical.orElse(requested);
        // an id the column type rejects is no owner: no exists(...) to ask
        String exists = canonical.isPresent() ? owners.existsExpression(c, o.ownerType()) : "false";
        String sql = "select " + exists + " as owner_exists, k." + KeyRows.COLUMNS.replace(", ", ", k.")
                + ", j.status, j.attempts, j.attempt_started_at, k.owner_id is not null as has_key,"
                + " j.owner_id is not null as has_job, " + POLICY_COLUMNS + " from (values (1)) one"
                + " left join " + keysTable + " k on k.owner_type = ? and k.owner_id = ? and k.revoked_at is null"
                + " left join " + jobsTable + " j on j.owner_type = ? and j.owner_id = ?"
                + " left join " + policiesTable + " p on p.owner_type = ? and p.owner_id = ?";
        boolean ownerExists;
        Optional<StoredKey> key;
        Optional<JobState> job;
        KeyPolicy policy;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (canonical.isPresent()) {
                ps.setString(i++, o.ownerId());
            }
            for (int join = 0; join < 3; join++) {
                ps.setString(i++, o.ownerType());
                ps.setString(i++, o.ownerId());
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                ownerExists = rs.getBoolean("owner_exists");
                // by the join columns: a key or job column may be null in a table an older schema created
                key = rs.getBoolean("has_key") ? Optional.of(KeyRows.storedKey(rs)) : Optional.empty();
                JobStatus status = JobStatus.fromDb(rs.getString("status"));
                job = !rs.getBoolean("has_job")
                        ? Optional.empty()
                        : Optional.of(
                                new JobState(status, rs.getInt("attempts"), Columns.instant(rs, "attempt_started_at")));
                policy = policy(rs);
            }
        }
        // an owner without a key gets its job row from its first attempt's intent (beginIntent), in the
        // transaction that needs it anyway; one with a key and no job (imported) gets it here
        if (ownerExists && job.isEmpty() && key.isPresent()) {
            job = jobs.insertPending(c, o, now)
                    ? Optional.of(new JobState(JobStatus.PENDING, 0, null))
                    : jobs.find(c, o);
        }
        return new OwnerState(ownerExists, key, job, o, policy);
    }

    /** Whether the owner's row exists, and the hash of its active key (empty: none). */
    public record Presence(boolean ownerExists, Optional<String> activeHash) {}

    /**
     * Whether the row of the owner, given in its canonical spelling, exists, and its active key: one
     * statement, so one round trip and one snapshot. Run after the job row's lock is taken, it sees what
     * every earlier holder of that lock committed.
     */
    public Presence presence(Connection c, OwnerRef canonical) throws SQLException {
        String sql = "select " + owners.existsExpression(c, canonical.ownerType()) + ", (select key_hash from "
                + keysTable + " where owner_type = ? and owner_id = ? and revoked_at is null limit 1)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, canonical.ownerId());
            ps.setString(2, canonical.ownerType());
            ps.setString(3, canonical.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Presence(rs.getBoolean(1), Optional.ofNullable(rs.getString(2)));
            }
        }
    }

    /**
     * The owner's {@code ai_key_policies} columns, selected as {@code policy_limit}, {@code policy_reset} and
     * {@code policy_guardrail}; {@link KeyPolicy#DEFAULTS} without a row.
     */
    public static KeyPolicy policy(ResultSet rs) throws SQLException {
        String reset = rs.getString("policy_reset");
        return new KeyPolicy(
                rs.getBigDecimal("policy_limit"),
                reset == null ? null : LimitReset.fromWire(reset),
                rs.getString("policy_guardrail"));
    }
}
