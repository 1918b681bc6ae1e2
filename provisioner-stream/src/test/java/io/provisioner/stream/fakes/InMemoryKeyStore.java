package io.provisioner.stream.fakes;

import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.core.secret.Secret;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** Owners, keys and jobs in memory, with the semantics of {@link KeyStore}. Thread-safe. */
public final class InMemoryKeyStore implements KeyStore {

    /** A job row as tests inspect it. */
    public record Job(String status, int attempts, Instant inFlightSince, String lastError, Instant nextAttemptAt) {}

    private final Set<OwnerRef> owners = new HashSet<>();
    private final Map<OwnerRef, StoredKey> active = new HashMap<>();
    private final Map<OwnerRef, Secret> secrets = new HashMap<>();
    private final Map<OwnerRef, Job> jobs = new HashMap<>();
    private final List<String> revokedHashes = new ArrayList<>();
    private long attemptsBegun;
    private Runnable beforeNextSave;
    private Runnable afterNextLoad;
    private Runnable beforeNextMarkRevoked;
    private final Deque<Supplier<RuntimeException>> saveCreatedFailures = new ArrayDeque<>();

    public synchronized InMemoryKeyStore addOwner(OwnerRef owner) {
        owners.add(owner);
        return this;
    }

    public synchronized InMemoryKeyStore removeOwner(OwnerRef owner) {
        owners.remove(owner);
        return this;
    }

    public synchronized InMemoryKeyStore seedKey(OwnerRef owner, ApiKey key, KeyLimits limits) {
        active.put(owner, new StoredKey(key.hash(), key.name(), limits, Instant.now()));
        jobs.put(owner, new Job("succeeded", 1, null, null, null));
        return this;
    }

    public synchronized InMemoryKeyStore failNextSaveCreated(Supplier<RuntimeException> failure) {
        saveCreatedFailures.add(failure);
        return this;
    }

    public synchronized Optional<StoredKey> activeKey(OwnerRef owner) {
        return Optional.ofNullable(active.get(owner));
    }

    public synchronized Optional<Secret> secret(OwnerRef owner) {
        return Optional.ofNullable(secrets.get(owner));
    }

    public synchronized Optional<Job> job(OwnerRef owner) {
        return Optional.ofNullable(jobs.get(owner));
    }

    public synchronized List<String> revokedHashes() {
        return List.copyOf(revokedHashes);
    }

    public synchronized int activeKeyCount() {
        return active.size();
    }

    @Override
    public OwnerState load(OwnerRef owner) {
        OwnerState state;
        Runnable meanwhile;
        synchronized (this) {
            Optional<JobState> job =
                    job(owner).map(j -> new JobState(JobStatus.fromDb(j.status()), j.attempts(), j.inFlightSince()));
            state = new OwnerState(owners.contains(owner), activeKey(owner), job);
            meanwhile = afterNextLoad;
            afterNextLoad = null;
        }
        if (meanwhile != null) {
            meanwhile.run();
        }
        return state;
    }

    /** Runs {@code action} right after the next load returns: another worker acting while ours stalls. */
    public synchronized InMemoryKeyStore afterNextLoad(Runnable action) {
        afterNextLoad = action;
        return this;
    }

    @Override
    public synchronized Instant beginAttempt(OwnerRef owner, int attempt, Instant expectedToken) {
        requireCurrent(owner, expectedToken);
        if (active.containsKey(owner)) {
            throw new AttemptSupersededException(
                    owner + " has a stored key", active.get(owner).hash());
        }
        if (!owners.contains(owner)) {
            throw new AttemptSupersededException(owner + " no longer exists", null);
        }
        // strictly increasing, so two attempts never share a token even within one clock tick
        return setIntent(owner, attempt, Instant.now().plusNanos(++attemptsBegun));
    }

    @Override
    public synchronized Instant beginRevoke(OwnerRef owner, int attempt, Instant expectedToken) {
        requireCurrent(owner, expectedToken);
        if (owners.contains(owner)) {
            throw new AttemptSupersededException(
                    owner + " exists again",
                    active.containsKey(owner) ? active.get(owner).hash() : null);
        }
        Instant token =
                expectedToken == null ? Instant.now().plusNanos(++attemptsBegun) : expectedToken.plusNanos(1_000);
        return setIntent(owner, attempt, token);
    }

    @Override
    public synchronized Instant takeOverAttempt(OwnerRef owner, int attempt, Instant token) {
        requireCurrent(owner, token);
        return setIntent(owner, attempt, token.plusNanos(1_000));
    }

    private Instant setIntent(OwnerRef owner, int attempt, Instant token) {
        Job j = jobs.get(owner);
        jobs.put(owner, new Job("processing", attempt, token, null, j == null ? null : j.nextAttemptAt()));
        return token;
    }

    @Override
    public synchronized Optional<String> confirmAttempt(OwnerRef owner, Instant token) {
        requireCurrent(owner, token);
        return activeKey(owner).map(StoredKey::hash);
    }

    @Override
    public synchronized boolean clearAttempt(OwnerRef owner, Instant token) {
        Job j = jobs.get(owner);
        if (j == null || !token.equals(j.inFlightSince())) {
            return false;
        }
        jobs.put(owner, new Job(j.status(), j.attempts(), null, j.lastError(), j.nextAttemptAt()));
        return true;
    }

    @Override
    public synchronized void reopenAttempt(OwnerRef owner, int attempt) {
        Job j = jobs.get(owner);
        if (j == null) {
            jobs.put(owner, new Job("processing", attempt, Instant.now(), null, null));
        } else if (j.inFlightSince() == null) {
            jobs.put(owner, new Job(j.status(), j.attempts(), Instant.now(), j.lastError(), j.nextAttemptAt()));
        }
    }

    private void requireCurrent(OwnerRef owner, Instant token) {
        Job j = jobs.get(owner);
        Instant current = j == null ? null : j.inFlightSince();
        if (!java.util.Objects.equals(current, token)) {
            throw new AttemptSupersededException(
                    owner + ": attempt superseded",
                    active.containsKey(owner) ? active.get(owner).hash() : null);
        }
    }

    /** Runs {@code action} when the next save starts: another worker acting while ours created its key. */
    public synchronized InMemoryKeyStore beforeNextSave(Runnable action) {
        beforeNextSave = action;
        return this;
    }

    @Override
    public synchronized void saveCreated(
            OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, int attempts, Instant attemptToken) {
        Runnable meanwhile = beforeNextSave;
        beforeNextSave = null;
        if (meanwhile != null) {
            meanwhile.run();
        }
        Job current = jobs.get(owner);
        if (attemptToken != null && (current == null || !attemptToken.equals(current.inFlightSince()))) {
            throw new KeyConflictException(
                    owner + ": attempt superseded",
                    active.containsKey(owner) ? active.get(owner).hash() : null);
        }
        if (!saveCreatedFailures.isEmpty()) {
            throw saveCreatedFailures.poll().get();
        }
        if (active.containsKey(owner)) {
            throw new KeyConflictException(
                    owner + " already has an active key", active.get(owner).hash());
        }
        active.put(owner, new StoredKey(key.hash(), key.name(), limits, Instant.now()));
        secrets.put(owner, secret);
        jobs.put(owner, new Job("succeeded", attempts, null, null, null));
    }

    @Override
    public synchronized void saveGuardrail(OwnerRef owner, String hash, String guardrailIdOrNull) {
        StoredKey k = active.get(owner);
        if (k != null && k.hash().equals(hash)) {
            active.put(owner, new StoredKey(hash, k.name(), k.limits(), k.createdAt(), guardrailIdOrNull));
        }
    }

    @Override
    public synchronized Instant beginUpdate(OwnerRef owner, int attempt, String hash) {
        requireCurrent(owner, null);
        StoredKey k = active.get(owner);
        if (k == null || !k.hash().equals(hash)) {
            throw new AttemptSupersededException(owner + " no longer has key " + hash, k == null ? null : k.hash());
        }
        return setIntent(owner, attempt, Instant.now().plusNanos(++attemptsBegun));
    }

    @Override
    public synchronized void savePolicy(
            OwnerRef owner, String hash, KeyLimits limits, String guardrailIdOrNull, int attempts, Instant token) {
        requireCurrent(owner, token);
        StoredKey k = active.get(owner);
        if (k == null || !k.hash().equals(hash)) {
            throw new io.provisioner.core.errors.RetryableException(owner + " has no active key " + hash);
        }
        active.put(owner, new StoredKey(hash, k.name(), limits, k.createdAt(), guardrailIdOrNull));
        jobs.put(owner, new Job("succeeded", attempts, null, null, null));
    }

    @Override
    public synchronized void unsettleUpdate(OwnerRef owner, int attempt, String hash) {
        StoredKey k = active.get(owner);
        if (k == null || !k.hash().equals(hash)) {
            return;
        }
        Job j = jobs.get(owner);
        Instant token = Instant.now().plusNanos(++attemptsBegun);
        if (j != null && j.inFlightSince() != null && !token.isAfter(j.inFlightSince())) {
            token = j.inFlightSince().plusNanos(1_000);
        }
        // as the database does: a new intent, status and attempts as they were
        jobs.put(
                owner,
                j == null
                        ? new Job("processing", attempt, token, null, null)
                        : new Job(j.status(), j.attempts(), token, j.lastError(), j.nextAttemptAt()));
    }

    @Override
    public synchronized void markRevoked(OwnerRef owner, String hashOrNull, int attempts, Instant token) {
        Runnable meanwhile = beforeNextMarkRevoked;
        beforeNextMarkRevoked = null;
        if (meanwhile != null) {
            meanwhile.run();
        }
        requireCurrent(owner, token);
        if (hashOrNull != null) {
            revoke(owner, hashOrNull);
        }
        jobs.put(owner, new Job("revoked", attempts, null, null, null));
    }

    /** Runs {@code action} when the next markRevoked starts: another worker acting after our DELETE. */
    public synchronized InMemoryKeyStore beforeNextMarkRevoked(Runnable action) {
        beforeNextMarkRevoked = action;
        return this;
    }

    private void revoke(OwnerRef owner, String hash) {
        StoredKey k = active.get(owner);
        if (k != null && k.hash().equals(hash)) {
            active.remove(owner);
            revokedHashes.add(hash);
        }
    }

    @Override
    public synchronized void markSucceeded(OwnerRef owner, int attempts, Instant token) {
        requireCurrent(owner, token);
        jobs.put(owner, new Job("succeeded", attempts, null, null, null));
    }

    @Override
    public synchronized void markLost(OwnerRef owner, String hash, int attempts) {
        revoke(owner, hash);
        reopenAttempt(owner, attempts);
    }

    @Override
    public synchronized void markRetrying(OwnerRef owner, int attempts, String error, Instant nextAttemptAt) {
        Job j = jobs.get(owner);
        jobs.put(owner, new Job("retrying", attempts, j == null ? null : j.inFlightSince(), error, nextAttemptAt));
    }

    @Override
    public synchronized void markDead(OwnerRef owner, int attempts, String error) {
        Job j = jobs.get(owner);
        jobs.put(owner, new Job("dead", attempts, j == null ? null : j.inFlightSince(), error, null));
    }
}
