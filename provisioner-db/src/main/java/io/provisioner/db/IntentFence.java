package io.provisioner.db;

import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.db.internal.Columns;
import io.provisioner.db.internal.IntentLock;
import io.provisioner.db.internal.JobRows;
import io.provisioner.db.internal.KeyRows;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The orphan sweep's side of the write-ahead intent of a create ({@code attempt_started_at}): finds the
 * intents of creates whose outcome stayed unknown for long, and settles one with the same fence as the
 * provisioner's own clean-up (take the intent over, confirm it before each delete, clear it if still
 * ours), leaving the job's status and attempts alone. Thread-safe.
 */
public final class IntentFence {

    /** An owner whose create began at {@code token} and whose outcome was never recorded. */
    public record StaleIntent(OwnerRef owner, Instant token) {}

    private final DataSource ds;
    private final String jobs;
    private final JobRows jobRows;
    private final KeyRows keyRows;
    private final Clock clock;

    public IntentFence(DataSource ds, String schema, Clock clock) {
        this.ds = ds;
        this.jobs = Tables.qualified(schema, Tables.JOBS);
        this.jobRows = new JobRows(schema);
        this.keyRows = new KeyRows(schema);
        this.clock = clock;
    }

    /**
     * At most {@code limit} intents set at or after {@code notBefore} (null: any) and before {@code before},
     * oldest first, of job rows no worker touched since {@code before}: a take-over keeps the old intent's
     * time (plus a microsecond), so a worker busy with an old intent is told apart by the row's
     * {@code updated_at}.
     */
    public List<StaleIntent> staleIntents(Instant notBefore, Instant before, int limit) {
        String sql = "select owner_type, owner_id, attempt_started_at from " + jobs
                + " where attempt_started_at < ? and attempt_started_at >= coalesce(?, '-infinity'::timestamptz)"
                + " and updated_at < ? order by attempt_started_at limit ?";
        return Tx.inTransaction(ds, "list stale intents", c -> {
            List<StaleIntent> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Columns.setInstant(ps, 1, before);
                Columns.setInstant(ps, 2, notBefore);
                Columns.setInstant(ps, 3, before);
                ps.setInt(4, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new StaleIntent(
                                new OwnerRef(rs.getString(1), rs.getString(2)), Columns.instant(rs, 3)));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Moves the intent from {@code token} to one microsecond later, so that the attempt that held it can no
     * longer store a key or delete one.
     *
     * @return the new token; empty (nothing changed) when the intent is no longer {@code token}
     */
    public Optional<Instant> takeOver(OwnerRef owner, Instant token) {
        Instant next = token.truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS);
        String sql = "update " + jobs + " set attempt_started_at = ?, updated_at = ?"
                + " where owner_type = ? and owner_id = ? and attempt_started_at = ?";
        return Tx.inTransaction(ds, "take over intent " + owner.key(), c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Columns.setInstant(ps, 1, next);
                Columns.setInstant(ps, 2, clock.instant());
                ps.setString(3, owner.ownerType());
                ps.setString(4, owner.ownerId());
                Columns.setInstant(ps, 5, token);
                return ps.executeUpdate() == 1 ? Optional.of(next) : Optional.<Instant>empty();
            }
        });
    }

    /**
     * Confirms under the job row's lock that the intent is still {@code token}, right before a delete.
     *
     * @return the owner's active key hash at this moment, never to be deleted; empty for none
     * @throws AttemptSupersededException when the intent changed (a retry took over, a key was stored)
     */
    public Optional<String> confirm(OwnerRef owner, Instant token) {
        return Tx.inTransaction(
                ds,
                "confirm intent " + owner.key(),
                c -> IntentLock.require(c, jobRows, keyRows, owner, token, "delete a key left by an unknown create"));
    }

    /**
     * Clears the intent if it is still {@code token}, and marks the stored key {@code lostHashOrNull} revoked
     * in the same transaction (OpenRouter no longer has it: the owner's next attempt creates a new one);
     * false, with nothing changed, when another attempt holds the intent.
     */
    public boolean clear(OwnerRef owner, Instant token, String lostHashOrNull) {
        return Tx.inTransaction(ds, "clear intent " + owner.key(), c -> {
            Instant now = clock.instant();
            if (!jobRows.clearIntent(c, owner, token, now)) {
                return false;
            }
            if (lostHashOrNull != null) {
                keyRows.revoke(c, owner, lostHashOrNull, now);
            }
            return true;
        });
    }

    /**
     * Clears the intent if it is still {@code token}, and records on the stored key {@code hash} the limits
     * OpenRouter reported for it: the intent may have been an update whose outcome is unknown, so the row
     * must say what the key holds, and the owner's next attempt compares that with its policy. False, with
     * nothing changed, when another attempt holds the intent.
     */
    public boolean clearReadBack(OwnerRef owner, Instant token, String hash, KeyLimits live) {
        return Tx.inTransaction(ds, "clear intent " + owner.key(), c -> {
            if (!jobRows.clearIntent(c, owner, token, clock.instant())) {
                return false;
            }
            keyRows.updateLimits(c, owner, hash, live);
            return true;
        });
    }
}
