package io.provisioner.db;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyPolicy;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.internal.Columns;
import io.provisioner.db.internal.IntentLock;
import io.provisioner.db.internal.JobRows;
import io.provisioner.db.internal.KeyRows;
import io.provisioner.db.internal.OwnerStateRead;
import io.provisioner.db.internal.OwnerTables;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The database side of {@code provisioner rotate-keys}, fenced like a create: a rotation takes the owner's
 * write-ahead intent ({@code attempt_started_at}) while the owner keeps its active key, and stores the new
 * key only while that intent is still its own, in the transaction that marks the old key's row revoked
 * with {@code delete_pending}, so that the owner always has exactly one active key. The old key's
 * {@code DELETE} on OpenRouter follows; {@link #deleted} clears the flag once it is confirmed, and
 * {@link #pendingDeletes} lists what an interrupted run left. Each method is one transaction.
 * Thread-safe.
 */
public final class KeyRotations {

    /**
     * An owner's active key.
     *
     * @param policy the owner's row of {@code ai_key_policies}; {@link KeyPolicy#DEFAULTS} when it has none
     * @param intent the owner's write-ahead intent when one is set (an earlier create or rotation whose
     *     outcome is unknown), else null
     */
    public record ActiveKey(OwnerRef owner, String hash, KeyPolicy policy, Instant createdAt, Instant intent) {}

    /** A key that a rotation revoked and whose DELETE on OpenRouter is not confirmed yet. */
    public record PendingDelete(OwnerRef owner, String hash) {}

    private static final String ACTIVE = "select k.owner_type, k.owner_id, k.key_hash, k.created_at,"
            + " j.attempt_started_at, " + OwnerStateRead.POLICY_COLUMNS + " from %s k left join %s j"
            + " on j.owner_type = k.owner_type and j.owner_id = k.owner_id left join %s p"
            + " on p.owner_type = k.owner_type and p.owner_id = k.owner_id where k.revoked_at is null and ";

    private final DataSource ds;
    private final KeyCipher cipher;
    private final OwnerTables owners;
    private final Clock clock;
    private final String keysTable;
    private final String jobsTable;
    private final String policiesTable;
    private final JobRows jobs;
    private final KeyRows keys;

    public KeyRotations(DataSource ds, String schema, KeyCipher cipher, Map<String, String> ownerTables, Clock clock) {
        this.ds = Objects.requireNonNull(ds, "ds");
        this.cipher = cipher;
        this.owners = new OwnerTables(ownerTables);
        this.clock = clock;
        this.keysTable = Tables.qualified(schema, Tables.KEYS);
        this.jobsTable = Tables.qualified(schema, Tables.JOBS);
        this.policiesTable = Tables.qualified(schema, Tables.POLICIES);
        this.jobs = new JobRows(schema);
        this.keys = new KeyRows(schema);
    }

    /** The active keys created before {@code before}, oldest first. */
    public List<ActiveKey> olderThan(Instant before) {
        return Tx.autoCommit(ds, "list keys to rotate", c -> {
            try (PreparedStatement ps = c.prepareStatement(String.format(ACTIVE, keysTable, jobsTable, policiesTable)
                    + "k.created_at < ? order by k.created_at, k.id")) {
                Columns.setInstant(ps, 1, before);
                return read(ps);
            }
        });
    }

    /** The owner's active key (the owner's id spelled as its row spells it), or empty. */
    public Optional<ActiveKey> of(OwnerRef owner) {
        return Tx.inTransaction(ds, "find key of " + owner.key(), c -> {
            OwnerRef canonical = owners.canonicalOrSame(c, owner);
            try (PreparedStatement ps = c.prepareStatement(String.format(ACTIVE, keysTable, jobsTable, policiesTable)
                    + "k.owner_type = ? and k.owner_id = ?")) {
                ps.setString(1, canonical.ownerType());
                ps.setString(2, canonical.ownerId());
                return read(ps).stream().findFirst();
            }
        });
    }

    private static List<ActiveKey> read(PreparedStatement ps) throws SQLException {
        List<ActiveKey> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                OwnerRef owner = new OwnerRef(rs.getString(1), rs.getString(2));
                out.add(new ActiveKey(
                        owner,
                        rs.getString(3),
                        OwnerStateRead.policy(rs),
                        Columns.instant(rs, 4),
                        Columns.instant(rs, 5)));
            }
        }
        return out;
    }

    /**
     * Takes the owner's intent for a rotation of its active key {@code hash}, replacing {@code expectedIntent}
     * (null: none) by compare-and-set.
     *
     * @return the rotation's token, which fences every later step
     * @throws AttemptSupersededException (nothing changed) when the intent or the active key changed
     *     meanwhile, or the owner row is gone
     */
    public Instant begin(OwnerRef owner, String hash, Instant expectedIntent) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant token = expectedIntent != null && !now.isAfter(expectedIntent)
                ? expectedIntent.truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS)
                : now;
        return Tx.inTransaction(ds, "begin rotation " + owner.key(), c -> {
            Optional<String> active = IntentLock.require(c, jobs, keys, owner, expectedIntent, "begin a rotation");
            if (!active.equals(Optional.of(hash))) {
                throw new AttemptSupersededException(
                        owner.key() + "'s active key changed meanwhile; not rotated", active.orElse(null));
            }
            if (!owners.exists(c, owner)) {
                throw new AttemptSupersededException(owner.key() + " no longer exists; not rotated", null);
            }
            // the intent alone fences: the job's status and attempts (dead, retrying, ...) stay as they are
            jobs.setIntent(c, owner, token, clock.instant());
            return token;
        });
    }

    /**
     * Confirms under the job row's lock that the rotation's intent is still {@code token}, right before a
     * call to OpenRouter.
     *
     * @return the owner's active key hash, never to be deleted
     * @throws AttemptSupersededException when another worker took the intent over
     */
    public Optional<String> confirm(OwnerRef owner, Instant token) {
        return Tx.inTransaction(
                ds, "confirm rotation " + owner.key(), c -> IntentLock.require(c, jobs, keys, owner, token, "rotate"));
    }

    /**
     * Clears the intent if it is still {@code token}: the create certainly did not take effect, or its key
     * was deleted again. The job's status stays what it was before {@link #begin}.
     */
    public boolean clear(OwnerRef owner, Instant token) {
        return Tx.inTransaction(
                ds, "clear rotation " + owner.key(), c -> jobs.clearIntent(c, owner, token, clock.instant()));
    }

    /**
     * Stores {@code key} as the owner's active key and marks {@code oldHash} revoked with {@code
     * delete_pending}, in one transaction, while {@code token} is still the owner's intent; clears the
     * intent and marks a pending or processing job succeeded (a dead or retrying one stays so).
     *
     * @param guardrailId the guardrail {@code key} is assigned to on OpenRouter already; null for none
     *
     * @throws AttemptSupersededException (nothing stored) when another worker took the intent over or the
     *     owner's active key is no longer {@code oldHash}
     * @throws FatalException (nothing stored) when the new hash is stored already
     */
    public void saveRotated(
            OwnerRef owner,
            String oldHash,
            ApiKey key,
            Secret secret,
            KeyLimits limits,
            String guardrailId,
            Instant token) {
        Instant now = clock.instant();
        KeyRows.NewKey row = new KeyRows.NewKey(
                key.hash(),
                key.name(),
                key.label(),
                cipher.encrypt(secret.reveal(), owner.key()),
                limits,
                key.createdAt() == null ? now : key.createdAt(),
                guardrailId);
        Tx.inTransaction(ds, "save rotated key for " + owner.key(), c -> {
            Optional<String> active = IntentLock.require(c, jobs, keys, owner, token, "store the rotated key");
            if (!active.equals(Optional.of(oldHash))) {
                throw new AttemptSupersededException(
                        owner.key() + "'s active key changed meanwhile; rotated key not stored", active.orElse(null));
            }
            try (PreparedStatement ps = c.prepareStatement("update " + keysTable
                    + " set revoked_at = ?, delete_pending = true where owner_type = ? and owner_id = ?"
                    + " and key_hash = ? and revoked_at is null")) {
                Columns.setInstant(ps, 1, now);
                ps.setString(2, owner.ownerType());
                ps.setString(3, owner.ownerId());
                ps.setString(4, oldHash);
                ps.executeUpdate();
            }
            if (!keys.insert(c, owner, row)) {
                throw new FatalException("key " + key.hash() + " is stored already; not stored for " + owner.key());
            }
            jobs.clearIntentKeyStored(c, owner, now);
            return null;
        });
    }

    /** At most {@code limit} keys whose DELETE after a rotation is not confirmed, oldest revoke first. */
    public List<PendingDelete> pendingDeletes(int limit) {
        return Tx.autoCommit(ds, "list pending deletes", c -> {
            List<PendingDelete> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select owner_type, owner_id, key_hash from " + keysTable
                    + " where delete_pending and revoked_at is not null order by revoked_at, id limit ?")) {
                ps.setInt(1, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new PendingDelete(new OwnerRef(rs.getString(1), rs.getString(2)), rs.getString(3)));
                    }
                }
            }
            return out;
        });
    }

    /** Records that the revoked key {@code hash} is gone on OpenRouter. */
    public void deleted(String hash) {
        Tx.autoCommit(ds, "mark key deleted", c -> {
            try (PreparedStatement ps = c.prepareStatement("update " + keysTable
                    + " set delete_pending = false where key_hash = ? and revoked_at is not null")) {
                ps.setString(1, hash);
                return ps.executeUpdate();
            }
        });
    }
}
