package io.provisioner.db.internal;

import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Reads and upserts rows of {@code ai_key_provision_jobs}. Stateless apart from the table name. */
public final class JobRows {

    /** What an update does with {@code attempt_started_at}, the write-ahead intent of a create. */
    public enum Intent {
        SET,
        CLEAR,
        KEEP
    }

    /** One update of the owner's job row; the row is inserted when it does not exist yet. */
    public record Update(JobStatus status, int attempts, String lastError, Instant nextAttemptAt, Intent intent) {}

    private final String table;

    public JobRows(String schema) {
        this.table = Tables.qualified(schema, Tables.JOBS);
    }

    public void upsert(Connection c, OwnerRef owner, Update u, Instant now) throws SQLException {
        upsert(c, owner, u, now, now);
    }

    /**
     * As {@link #upsert(Connection, OwnerRef, Update, Instant)}, with an intent ({@link Intent#SET}) of
     * {@code intentAt} rather than now: a take-over keeps the old intent's time (plus a microsecond), while
     * {@code updated_at} says the row was touched now, so the orphan sweep leaves the worker's intent alone.
     */
    public void upsert(Connection c, OwnerRef owner, Update u, Instant intentAt, Instant now) throws SQLException {
        String sql = "insert into " + table + " as j (owner_type, owner_id, status, attempts, last_error,"
                + " next_attempt_at, attempt_started_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " on conflict (owner_type, owner_id) do update set status = excluded.status,"
                + " attempts = excluded.attempts, last_error = excluded.last_error,"
                + " next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at,"
                + " attempt_started_at = case when ? then j.attempt_started_at else excluded.attempt_started_at end";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            ps.setString(3, u.status().dbName());
            ps.setInt(4, u.attempts());
            ps.setString(5, ErrorClassifier.truncate(u.lastError()));
            Columns.setInstant(ps, 6, u.nextAttemptAt());
            Columns.setInstant(ps, 7, u.intent() == Intent.SET ? intentAt : null);
            Columns.setInstant(ps, 8, now);
            Columns.setInstant(ps, 9, now);
            ps.setBoolean(10, u.intent() == Intent.KEEP);
            ps.executeUpdate();
        }
    }

    /**
     * Sets the intent to {@code token} with status {@code processing}, but only over the intent {@code
     * expected} (null: none; a missing row counts as none and is inserted): a compare-and-set that takes
     * the row's lock when it sets it (and, from none, also when it does not), so the statements after it
     * in the transaction see what every earlier holder of the lock committed. False when another intent
     * is set; the caller then locks the row to say which.
     */
    public boolean beginIntent(Connection c, OwnerRef owner, int attempts, Instant expected, Instant token)
            throws SQLException {
        String set = "status = ?, attempts = ?, last_error = null, next_attempt_at = null,"
                + " attempt_started_at = ?, updated_at = ?";
        if (expected != null) {
            String sql = "update " + table + " set " + set + " where owner_type = ? and owner_id = ?"
                    + " and attempt_started_at = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, JobStatus.PROCESSING.dbName());
                ps.setInt(2, attempts);
                Columns.setInstant(ps, 3, token);
                Columns.setInstant(ps, 4, token);
                ps.setString(5, owner.ownerType());
                ps.setString(6, owner.ownerId());
                Columns.setInstant(ps, 7, expected);
                return ps.executeUpdate() == 1;
            }
        }
        // on conflict the row is locked even when the where clause leaves it as it is
        return upsertIntent(
                c,
                owner,
                attempts,
                token,
                "status = excluded.status, attempts = excluded.attempts, last_error = null, next_attempt_at = null,"
                        + " attempt_started_at = excluded.attempt_started_at, updated_at = excluded.updated_at"
                        + " where j.attempt_started_at is null");
    }

    /**
     * Clears the intent and records {@code status} and {@code attempts}, but only while the intent is {@code
     * token}: the fenced end of an attempt in one statement, which holds the row's lock when it writes.
     * False (nothing written) when another intent, or none, is set.
     */
    public boolean settleIntent(
            Connection c, OwnerRef owner, JobStatus status, int attempts, Instant token, Instant now)
            throws SQLException {
        String sql = "update " + table + " set status = ?, attempts = ?, last_error = null, next_attempt_at = null,"
                + " attempt_started_at = null, updated_at = ? where owner_type = ? and owner_id = ?"
                + " and attempt_started_at = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, status.dbName());
            ps.setInt(2, attempts);
            Columns.setInstant(ps, 3, now);
            ps.setString(4, owner.ownerType());
            ps.setString(5, owner.ownerId());
            Columns.setInstant(ps, 6, token);
            return ps.executeUpdate() == 1;
        }
    }

    /** Inserts a {@code pending} row unless the owner has one already; true when it did. */
    public boolean insertPending(Connection c, OwnerRef owner, Instant now) throws SQLException {
        String sql = "insert into " + table + " (owner_type, owner_id, status, attempts, created_at, updated_at)"
                + " values (?, ?, ?, 0, ?, ?) on conflict (owner_type, owner_id) do nothing";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            ps.setString(3, JobStatus.PENDING.dbName());
            Columns.setInstant(ps, 4, now);
            Columns.setInstant(ps, 5, now);
            return ps.executeUpdate() == 1;
        }
    }

    /** The owner's write-ahead intent, with the row locked until the transaction ends. */
    public Optional<Instant> lockIntent(Connection c, OwnerRef owner) throws SQLException {
        String sql = "select attempt_started_at from " + table + " where owner_type = ? and owner_id = ? for update";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(Columns.instant(rs, 1)) : Optional.empty();
            }
        }
    }

    /** Clears the intent if it is still {@code token}; false when it is not (another attempt holds it). */
    public boolean clearIntent(Connection c, OwnerRef owner, Instant token, Instant now) throws SQLException {
        String sql = "update " + table + " set attempt_started_at = null, updated_at = ?"
                + " where owner_type = ? and owner_id = ? and attempt_started_at = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Columns.setInstant(ps, 1, now);
            ps.setString(2, owner.ownerType());
            ps.setString(3, owner.ownerId());
            Columns.setInstant(ps, 4, token);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Sets the intent to {@code token}, leaving status and attempts as they are (the intent alone fences);
     * inserts a {@code pending} row when there is none. The caller holds the row's lock and checked the
     * intent it replaces.
     */
    public void setIntent(Connection c, OwnerRef owner, Instant token, Instant now) throws SQLException {
        String sql = "insert into " + table + " as j (owner_type, owner_id, status, attempts, attempt_started_at,"
                + " created_at, updated_at) values (?, ?, ?, 0, ?, ?, ?) on conflict (owner_type, owner_id)"
                + " do update set attempt_started_at = excluded.attempt_started_at, updated_at = excluded.updated_at";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            ps.setString(3, JobStatus.PENDING.dbName());
            Columns.setInstant(ps, 4, token);
            Columns.setInstant(ps, 5, now);
            Columns.setInstant(ps, 6, now);
            ps.executeUpdate();
        }
    }

    /**
     * Clears the intent after the owner's key was replaced: a {@code pending} or {@code processing} job
     * (the owner has a stored key now) becomes {@code succeeded}; any other status ({@code dead},
     * {@code retrying}, ...) and the attempts stay as they were.
     */
    public void clearIntentKeyStored(Connection c, OwnerRef owner, Instant now) throws SQLException {
        String sql = "update " + table + " set attempt_started_at = null, updated_at = ?, status = case when status"
                + " in (?, ?) then ? else status end where owner_type = ? and owner_id = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Columns.setInstant(ps, 1, now);
            ps.setString(2, JobStatus.PENDING.dbName());
            ps.setString(3, JobStatus.PROCESSING.dbName());
            ps.setString(4, JobStatus.SUCCEEDED.dbName());
            ps.setString(5, owner.ownerType());
            ps.setString(6, owner.ownerId());
            ps.executeUpdate();
        }
    }

    /** Sets the intent to {@code now} unless one is set; inserts a {@code processing} row when there is none. */
    public void reopenIntent(Connection c, OwnerRef owner, int attempts, Instant now) throws SQLException {
        upsertIntent(
                c,
                owner,
                attempts,
                now,
                "attempt_started_at = coalesce(j.attempt_started_at, excluded.attempt_started_at)");
    }

    /**
     * Sets the intent to {@code now}, or one microsecond after the intent it replaces when that is later (the
     * token must change), superseding any attempt in progress; inserts a {@code processing} row when there
     * is none.
     */
    public void supersedeIntent(Connection c, OwnerRef owner, int attempts, Instant now) throws SQLException {
        upsertIntent(
                c,
                owner,
                attempts,
                now,
                "attempt_started_at = greatest(excluded.attempt_started_at,"
                        + " j.attempt_started_at + interval '1 microsecond'), updated_at = excluded.updated_at");
    }

    /** Inserts a {@code processing} row with the intent {@code now}, or updates the row as {@code onConflictSet} says; true when a row was written. */
    private boolean upsertIntent(Connection c, OwnerRef owner, int attempts, Instant now, String onConflictSet)
            throws SQLException {
        String sql = "insert into " + table + " as j (owner_type, owner_id, status, attempts, attempt_started_at,"
                + " created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (owner_type, owner_id)"
                + " do update set " + onConflictSet;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            ps.setString(3, JobStatus.PROCESSING.dbName());
            ps.setInt(4, attempts);
            Columns.setInstant(ps, 5, now);
            Columns.setInstant(ps, 6, now);
            Columns.setInstant(ps, 7, now);
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<JobState> find(Connection c, OwnerRef owner) throws SQLException {
        String sql =
                "select status, attempts, attempt_started_at from " + table + " where owner_type = ? and owner_id = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(
                        new JobState(JobStatus.fromDb(rs.getString(1)), rs.getInt(2), Columns.instant(rs, 3)));
            }
        }
    }
}
