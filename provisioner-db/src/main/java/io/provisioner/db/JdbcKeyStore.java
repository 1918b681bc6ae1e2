package io.provisioner.db;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.internal.IntentLock;
import io.provisioner.db.internal.JobRows;
import io.provisioner.db.internal.JobRows.Intent;
import io.provisioner.db.internal.JobRows.Update;
import io.provisioner.db.internal.KeyRows;
import io.provisioner.db.internal.OwnerStateRead;
import io.provisioner.db.internal.OwnerTables;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.SqlNames;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link KeyStore} over the tables of CONTRACT section 4 in one schema. Secrets are encrypted with
 * {@link KeyCipher} under the owner's {@code <owner_type>:<owner_id>} before they reach the database.
 * Each method is one transaction; database failures become {@link RetryableException} or
 * {@link FatalException} (via {@code ErrorClassifier.sql}). Thread-safe: share one instance.
 *
 * <p>{@link #load} inserts a {@code pending} job row the first time it sees an existing owner that has a
 * key; {@link #beginAttempt} and every {@code mark*} method insert the job row when there is none.
 */
public final class JdbcKeyStore implements KeyStore {

    private final DataSource ds;
    private final KeyCipher cipher;
    private final OwnerTables owners;
    private final Clock clock;
    private final JobRows jobs;
    private final KeyRows keys;
    private final OwnerStateRead ownerState;
    private final String schema;

    /**
     * @param schema where the provisioner's tables are (the migration's schema)
     * @param ownerTables owner type to table, e.g. {@code "organization" -> "public.organizations"}
     */
    public JdbcKeyStore(DataSource ds, String schema, KeyCipher cipher, Map<String, String> ownerTables, Clock clock) {
        this.ds = Objects.requireNonNull(ds, "ds");
        this.schema = SqlNames.requireSchema(schema);
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.owners = new OwnerTables(ownerTables);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.jobs = new JobRows(schema);
        this.keys = new KeyRows(schema);
        this.ownerState = new OwnerStateRead(schema, owners, jobs);
    }

    @Override
    public OwnerState load(OwnerRef owner) {
        // one statement reads it all; a transaction would add a commit round trip and no consistency
        return Tx.autoCommit(ds, "load " + owner.key(), c -> ownerState.read(c, owner, clock.instant()));
    }

    @Override
    public Instant beginAttempt(OwnerRef owner, int attempt, Instant expectedToken) {
        // the token is the intent's own timestamp, at the precision Postgres keeps
        Instant token = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return Tx.inTransaction(ds, "begin attempt " + owner.key(), c -> {
            // the compare-and-set first: it takes the row's lock, and a refused one explains itself
            if (!jobs.beginIntent(c, owner, attempt, expectedToken, token)) {
                requireCurrent(c, owner, expectedToken, "begin an attempt");
                // the intent was expected's again by the time it was locked: the next attempt begins anew
                throw new RetryableException("the intent of " + owner.key() + " changed while it was being set");
            }
            // under the lock; a refusal rolls the intent back
            OwnerStateRead.Presence now = ownerState.presence(c, owner);
            if (now.activeHash().isPresent()) {
                throw new AttemptSupersededException(
                        owner.key() + " has a stored key meanwhile; no attempt begun",
                        now.activeHash().get());
            }
            if (!now.ownerExists()) {
                throw new AttemptSupersededException(owner.key() + " no longer exists; no attempt begun", null);
            }
            return token;
        });
    }

    @Override
    public Instant beginRevoke(OwnerRef owner, int attempt, Instant expectedToken) {
        Instant token = expectedToken == null ? clock.instant().truncatedTo(ChronoUnit.MICROS) : after(expectedToken);
        return Tx.inTransaction(ds, "begin revoke " + owner.key(), c -> {
            Optional<String> active = requireCurrent(c, owner, expectedToken, "begin a revoke");
            if (owners.exists(c, owner)) {
                throw new AttemptSupersededException(
                        owner.key() + " exists again; its key is not revoked", active.orElse(null));
            }
            jobs.upsert(
                    c,
                    owner,
                    new Update(JobStatus.PROCESSING, attempt, null, null, Intent.SET),
                    token,
                    clock.instant());
            return token;
        });
    }

    @Override
    public Instant takeOverAttempt(OwnerRef owner, int attempt, Instant token) {
        Objects.requireNonNull(token, "token");
        Instant next = after(token);
        return Tx.inTransaction(ds, "take over attempt " + owner.key(), c -> {
            requireCurrent(c, owner, token, "take over an attempt");
            jobs.upsert(
                    c, owner, new Update(JobStatus.PROCESSING, attempt, null, null, Intent.SET), next, clock.instant());
            return next;
        });
    }

    /** The token that takes {@code token} over: one microsecond later, so a listing from it still covers it. */
    private static Instant after(Instant token) {
        return token.truncatedTo(ChronoUnit.MICROS).plus(1, ChronoUnit.MICROS);
    }

    @Override
    public Optional<String> confirmAttempt(OwnerRef owner, Instant token) {
        Objects.requireNonNull(token, "token");
        return Tx.inTransaction(
                ds, "confirm attempt " + owner.key(), c -> requireCurrent(c, owner, token, "delete a key"));
    }

    @Override
    public boolean clearAttempt(OwnerRef owner, Instant token) {
        Objects.requireNonNull(token, "token");
        return Tx.inTransaction(
                ds, "clear attempt " + owner.key(), c -> jobs.clearIntent(c, owner, token, clock.instant()));
    }

    @Override
    public void reopenAttempt(OwnerRef owner, int attempt) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Tx.inTransaction(ds, "reopen attempt " + owner.key(), c -> {
            jobs.reopenIntent(c, owner, attempt, now);
            return null;
        });
    }

    private Optional<String> requireCurrent(Connection c, OwnerRef owner, Instant token, String action)
            throws SQLException {
        return IntentLock.require(c, jobs, keys, owner, token, action);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Saving the same key again is a no-op apart from the job row.
     *
     * @throws ActiveKeyExistsException when the owner has another active key; nothing is stored
     * @throws FatalException when the hash is already stored for a revoked row
     */
    @Override
    public void saveCreated(
            OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, int attempts, Instant attemptToken) {
        KeyRows.NewKey row = new KeyRows.NewKey(
                key.hash(),
                key.name() == null ? owner.key() : key.name(),
                key.label(),
                cipher.encrypt(secret.reveal(), owner.key()),
                limits,
                key.createdAt() == null ? clock.instant() : key.createdAt(),
                null);
        Tx.inTransaction(ds, "save created key for " + owner.key(), c -> {
            Instant now = clock.instant();
            // with a token, the fenced job update comes first: it locks the row, so a later attempt that
            // may have deleted this key while cleaning up is seen
            if (attemptToken != null
                    && !jobs.settleIntent(c, owner, JobStatus.SUCCEEDED, attempts, attemptToken, now)) {
                refuseSuperseded(c, owner, key.hash());
            }
            if (!keys.insert(c, owner, row)) {
                refuseUnlessSame(c, owner, key.hash());
            }
            if (attemptToken == null) {
                jobs.upsert(c, owner, new Update(JobStatus.SUCCEEDED, attempts, null, null, Intent.CLEAR), now);
            }
            return null;
        });
    }

    /** Under the row's lock: the superseding worker's stored key, once its save committed, is named. */
    private void refuseSuperseded(Connection c, OwnerRef owner, String hash) throws SQLException {
        jobs.lockIntent(c, owner);
        throw new KeyConflictException(
                "attempt for " + owner.key() + " was superseded by a later one; key " + hash + " not stored",
                keys.findActive(c, owner).map(StoredKey::hash).orElse(null));
    }

    private void refuseUnlessSame(Connection c, OwnerRef owner, String hash) throws SQLException {
        Optional<StoredKey> active = keys.findActive(c, owner);
        if (active.isEmpty()) {
            throw new FatalException(
                    "key " + hash + " is already stored as a revoked key; not stored for " + owner.key());
        }
        if (!active.get().hash().equals(hash)) {
            throw new ActiveKeyExistsException(owner, hash, active.get().hash());
        }
    }

    @Override
    public Instant beginUpdate(OwnerRef owner, int attempt, String hash) {
        Instant token = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return Tx.inTransaction(ds, "begin update " + owner.key(), c -> {
            Optional<String> active = requireCurrent(c, owner, null, "begin an update");
            if (!active.equals(Optional.of(hash))) {
                throw new AttemptSupersededException(
                        owner.key() + " no longer has key " + hash + "; no update begun", active.orElse(null));
            }
            jobs.upsert(c, owner, new Update(JobStatus.PROCESSING, attempt, null, null, Intent.SET), token);
            return token;
        });
    }

    @Override
    public void savePolicy(
            OwnerRef owner, String hash, KeyLimits limits, String guardrailIdOrNull, int attempts, Instant token) {
        Tx.inTransaction(ds, "save policy for " + owner.key(), c -> {
            requireCurrent(c, owner, token, "record the key's limits");
            if (!keys.updatePolicy(c, owner, hash, limits, guardrailIdOrNull)) {
                throw new RetryableException("owner " + owner.key() + " has no active key " + hash);
            }
            jobs.upsert(c, owner, new Update(JobStatus.SUCCEEDED, attempts, null, null, Intent.CLEAR), clock.instant());
            return null;
        });
    }

    @Override
    public void unsettleUpdate(OwnerRef owner, int attempt, String hash) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Tx.inTransaction(ds, "unsettle update " + owner.key(), c -> {
            jobs.lockIntent(c, owner);
            if (keys.findActive(c, owner).map(StoredKey::hash).equals(Optional.of(hash))) {
                jobs.supersedeIntent(c, owner, attempt, now);
            }
            return null;
        });
    }

    @Override
    public void saveGuardrail(OwnerRef owner, String hash, String guardrailIdOrNull) {
        Tx.inTransaction(
                ds, "save guardrail for " + owner.key(), c -> keys.updateGuardrail(c, owner, hash, guardrailIdOrNull));
    }

    @Override
    public void markRevoked(OwnerRef owner, String hashOrNull, int attempts, Instant token) {
        Tx.inTransaction(ds, "mark revoked " + owner.key(), c -> {
            requireCurrent(c, owner, token, "mark its key revoked");
            if (hashOrNull != null) {
                keys.revoke(c, owner, hashOrNull, clock.instant());
            }
            jobs.upsert(c, owner, new Update(JobStatus.REVOKED, attempts, null, null, Intent.CLEAR), clock.instant());
            return null;
        });
    }

    @Override
    public void markSucceeded(OwnerRef owner, int attempts, Instant token) {
        Tx.inTransaction(ds, "mark succeeded " + owner.key(), c -> {
            requireCurrent(c, owner, token, "mark it succeeded");
            jobs.upsert(c, owner, new Update(JobStatus.SUCCEEDED, attempts, null, null, Intent.CLEAR), clock.instant());
            return null;
        });
    }

    @Override
    public void markLost(OwnerRef owner, String hash, int attempts) {
        Objects.requireNonNull(hash, "hash");
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Tx.inTransaction(ds, "mark key lost " + owner.key(), c -> {
            keys.revoke(c, owner, hash, now);
            jobs.reopenIntent(c, owner, attempts, now);
            return null;
        });
    }

    /** {@inheritDoc} The write-ahead intent stays: the failed create may have left a key. */
    @Override
    public void markRetrying(OwnerRef owner, int attempts, String error, Instant nextAttemptAt) {
        updateJob("mark retrying", owner, new Update(JobStatus.RETRYING, attempts, error, nextAttemptAt, Intent.KEEP));
    }

    /** {@inheritDoc} The write-ahead intent stays, for a later reconcile or replay. */
    @Override
    public void markDead(OwnerRef owner, int attempts, String error) {
        updateJob("mark dead", owner, new Update(JobStatus.DEAD, attempts, error, null, Intent.KEEP));
    }

    /**
     * Re-encrypts every stored key from {@code oldCipher} to {@code newCipher} in small batches; rows that
     * already decrypt with {@code newCipher} are skipped, so it can be run again after an interruption.
     */
    public RotationResult rotateEncryption(KeyCipher oldCipher, KeyCipher newCipher) {
        return new KeyRotation(ds, schema).rotate(oldCipher, newCipher);
    }

    /** The job of the owner's canonical spelling: a failure may be recorded under the request's spelling. */
    private void updateJob(String operation, OwnerRef owner, Update update) {
        Tx.inTransaction(ds, operation + " " + owner.key(), c -> {
            jobs.upsert(c, owners.canonicalOrSame(c, owner), update, clock.instant());
            return null;
        });
    }
}
