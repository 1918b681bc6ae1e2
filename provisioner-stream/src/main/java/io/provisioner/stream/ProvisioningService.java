package io.provisioner.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.config.KeyNames;
import io.provisioner.core.config.ProvisionerConfig.Limits;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.PermitUnavailableException;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.DesiredKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.stream.internals.LeftoverKeys;
import io.provisioner.stream.internals.ThrottledCalls;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges one owner's OpenRouter key to what its row says, level-triggered: a request only says "look
 * at owner X" (its {@code op} is a hint), and the service reads what is (owner row, stored key, in-flight
 * intent) and does what is missing. Running it twice for the same owner does no harm.
 *
 * <p>Creating is guarded by a write-ahead intent ({@link KeyStore#beginAttempt}): when an earlier
 * attempt's outcome is unknown, every key named {@link KeyNames#nameOf} created since it began is
 * deleted before a new one is created, so an owner never keeps two spendable keys. Revoking takes the
 * same intent ({@link KeyStore#beginRevoke}), and so does an update of a stored key's limits or guardrail
 * ({@link KeyStore#beginUpdate}); a stored key found with an intent set is read back before it is kept.
 * Every side effect is fenced by the attempt's token: an attempt another worker superseded creates,
 * deletes, updates and stores nothing, and one superseded after its update went out leaves the outcome
 * for the next attempt to read back. Every OpenRouter call first takes a
 * {@link RateLimiter} permit, waiting at most the configured permit wait.
 *
 * <p>Throws {@link io.provisioner.core.errors.RetryableException}, {@link
 * io.provisioner.core.errors.FatalException} or {@link io.provisioner.core.errors.CredentialsException}
 * as the ports do. Thread-safe when its ports are.
 */
public final class ProvisioningService {

    /** Default longest wait for a rate-limit permit before a call is given up as retryable. */
    public static final Duration DEFAULT_PERMIT_WAIT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(ProvisioningService.class);

    private final ThrottledCalls calls;
    private final KeysApi api;
    private final KeyStore store;
    private final Limits limits;
    private final KeyNames names;
    private final LeftoverKeys leftovers;
    private final Counter keysCreated;

    /**
     * @param names the key names of this pipeline: every key is created as, and cleaned up only by, its name
     * @param permitWait longest wait for a rate-limit permit per call; keep it well inside max.poll.interval.ms
     * @param maxRetryAfter the longest {@code Retry-After} honoured ({@code OR_MAX_RETRY_AFTER})
     */
    public ProvisioningService(
            KeysApi api,
            KeyStore store,
            RateLimiter limiter,
            Limits limits,
            KeyNames names,
            MeterRegistry registry,
            Duration permitWait,
            Duration maxRetryAfter) {
        this.calls = new ThrottledCalls(api, limiter, permitWait, maxRetryAfter);
        this.leftovers = new LeftoverKeys(calls, store, names);
        this.api = api;
        this.store = store;
        this.limits = limits;
        this.names = names;
        this.keysCreated = Counter.builder("provisioner.keys.provisioned")
                .description("OpenRouter keys created and stored")
                .register(registry);
    }

    /**
     * Converges the request's owner.
     *
     * @param attempt 1-based attempt number of this request, stored with the job
     */
    public Outcome handle(ProvisionRequest request, int attempt) {
        OwnerState state = store.load(request.owner().validate());
        // the database's spelling of the id from here on: the job, the key row and the key name use it
        OwnerRef owner = state.ownerOr(request.owner());
        long callsBefore = calls.callsMadeByThisThread();
        try {
            return converge(owner, state, attempt);
        } catch (AttemptSupersededException superseded) {
            return stepAside(owner, superseded);
        } catch (PermitUnavailableException noPermit) {
            if (calls.callsMadeByThisThread() == callsBefore) {
                throw noPermit;
            }
            // calls went out before the permit that did not come: the attempt counts, or an owner whose
            // attempts list pages and then wait in vain would call OpenRouter without end
            throw new RetryableException(noPermit.getMessage(), noPermit);
        }
    }

    private Outcome converge(OwnerRef owner, OwnerState state, int attempt) {
        Instant inFlightSince = state.job().map(JobState::attemptInFlightSince).orElse(null);
        if (!state.ownerExists()) {
            return revoke(owner, state, inFlightSince, attempt);
        }
        DesiredKey desired = limits.desired(owner.ownerType(), state.policy());
        if (state.activeKey().isPresent()) {
            return keep(owner, state.activeKey().get(), state.job(), desired, attempt);
        }
        return create(owner, inFlightSince, desired, attempt);
    }

    /**
     * Another worker took over while this attempt stalled (a frozen process, a replay racing a retry) and
     * did nothing: when that worker stored a key, this attempt only reports it (no retry, the job row stays
     * as that worker left it); otherwise it is retried and converges from what is then.
     */
    private static Outcome stepAside(OwnerRef owner, AttemptSupersededException superseded) {
        if (superseded.activeHash() == null) {
            throw superseded;
        }
        LOG.info("attempt for {} superseded by another worker, which stored key {}", owner, superseded.activeHash());
        return new Outcome.Unchanged(superseded.activeHash());
    }

    /** Records a retry in the job row; a failure here is logged, the retry record is what counts. */
    public void recordRetrying(OwnerRef owner, int attempts, String error, Instant nextAttemptAt) {
        try {
            store.markRetrying(owner, attempts, error, nextAttemptAt);
        } catch (RuntimeException e) {
            LOG.warn("could not mark {} retrying: {}", owner, e.getMessage());
        }
    }

    /** Records a dead letter in the job row; a failure here is logged, the DLT record is what counts. */
    public void recordDead(OwnerRef owner, int attempts, String error) {
        try {
            store.markDead(owner, attempts, error);
        } catch (RuntimeException e) {
            LOG.warn("could not mark {} dead: {}", owner, e.getMessage());
        }
    }

    /**
     * Deletes the key of an owner whose row is gone, under the same fence as a create: the intent is taken
     * first ({@link KeyStore#beginRevoke}, which also re-checks that the row is still gone), the DELETE is
     * sent only while that intent is current, and the database write lands only while it still is. A
     * worker that finds the row back meanwhile takes the intent over (see {@link #keep}), so this one then
     * deletes and writes nothing.
     */
    private Outcome revoke(OwnerRef owner, OwnerState state, Instant inFlightSince, int attempt) {
        String hash = state.activeKey().map(StoredKey::hash).orElse(null);
        if (hash == null && inFlightSince == null) {
            if (state.job().isPresent()) {
                store.markRevoked(owner, null, attempt, null);
            }
            return new Outcome.Revoked(null);
        }
        Instant token = store.beginRevoke(owner, attempt, inFlightSince);
        if (inFlightSince != null) {
            leftovers.delete(owner, token, hash);
        }
        if (hash != null) {
            deleteStored(owner, hash, token);
        }
        try {
            store.markRevoked(owner, hash, attempt, token);
        } catch (AttemptSupersededException superseded) {
            if (hash != null && hash.equals(superseded.activeHash())) {
                // the row came back and a worker kept this key while our DELETE of it was on its way
                store.markLost(owner, hash, attempt);
                throw new RetryableException(owner + " exists again and its key " + hash
                        + " was deleted meanwhile; the next attempt gives it a new key");
            }
            throw superseded;
        }
        return new Outcome.Revoked(hash);
    }

    /**
     * Sends {@code DELETE /keys/{hash}} for the owner's stored key, confirming the revoke's token right
     * before it is sent (after the permit). An answer that leaves the outcome unknown (a 5xx, a timeout, a
     * reset) is settled by reading the key back: gone means the DELETE was carried out. When the key is
     * certainly still there, the intent is cleared, as after a create the server did not act on.
     */
    private void deleteStored(OwnerRef owner, String hash, Instant token) {
        try {
            calls.call("DELETE /keys/{hash}", () -> {
                store.confirmAttempt(owner, token);
                return api.delete(hash);
            });
        } catch (RetryableException e) {
            if (e.outcomeUnknown() && !exists(hash)) {
                LOG.info(
                        "DELETE of key {} of {} failed ({}), but the key is gone: it was carried out",
                        hash,
                        owner,
                        e.getMessage());
                return;
            }
            // the key is still there: nothing was done that the next attempt would have to look for
            forget(owner, token, e);
            throw e;
        } catch (ProvisioningException e) {
            forget(owner, token, e);
            throw e;
        }
    }

    private boolean exists(String hash) {
        return calls.call("GET /keys/{hash}", () -> api.get(hash)).isPresent();
    }

    /**
     * The owner has a stored key. When an attempt's outcome is unknown (its intent is set), the intent is
     * taken over first, so a stalled worker of that create, revoke or update can no longer act; then the
     * keys a create may have left are deleted, and the stored key is read back: a revoke whose DELETE went
     * through before the row came back leaves a stored key that OpenRouter no longer has, and it is
     * replaced; an update whose outcome is unknown may have left other limits than the row says, so the
     * limits OpenRouter reports are what the key is compared with, and the guardrail it should hold is
     * assigned again.
     *
     * <p>An update is fenced like every other side effect: it runs under its own intent ({@link
     * KeyStore#beginUpdate}, or the one taken over), each call confirms it right before it is sent, and the
     * row records the new limits only while it is still current ({@link KeyStore#savePolicy}). An update
     * superseded after its calls went out cannot know whether OpenRouter carried out its call or the other
     * worker's last, so it leaves a new intent behind ({@link KeyStore#unsettleUpdate}) and is retried: the
     * next attempt reads the key back and sets it once more.
     */
    private Outcome keep(OwnerRef owner, StoredKey key, Optional<JobState> job, DesiredKey desired, int attempt) {
        Instant inFlightSince = job.map(JobState::attemptInFlightSince).orElse(null);
        Instant token = null;
        int removed = 0;
        KeyLimits current = key.limits();
        if (inFlightSince != null) {
            token = store.takeOverAttempt(owner, attempt, inFlightSince);
            removed = leftovers.delete(owner, token, key.hash());
            Optional<ApiKey> live = calls.call("GET /keys/{hash}", () -> api.get(key.hash()));
            if (live.isEmpty()) {
                LOG.warn("stored key {} of {} no longer exists on OpenRouter; replacing it", key.hash(), owner);
                store.markLost(owner, key.hash(), attempt);
                return createFenced(owner, token, desired, attempt);
            }
            current = live.get().limits();
        }
        boolean limitsDiffer = !desired.limits().sameAs(current);
        boolean guardrailDiffers = !desired.guardrail().equals(Optional.ofNullable(key.guardrailId()))
                // after an unknown update the assignment is not known either: assigning again is idempotent
                || (token != null && desired.guardrail().isPresent());
        if (!limitsDiffer && !guardrailDiffers) {
            if (token != null && !current.sameAs(key.limits())) {
                // OpenRouter already holds the policy the row does not say: the row records it
                store.savePolicy(owner, key.hash(), current, key.guardrailId(), attempt, token);
            } else if (token != null) {
                store.markSucceeded(owner, attempt, token);
            } else if (job.isPresent() && job.get().status() != JobStatus.SUCCEEDED) {
                store.markSucceeded(owner, attempt, null);
            }
            return removed > 0 ? new Outcome.DuplicatesRemoved(key.hash(), removed) : new Outcome.Unchanged(key.hash());
        }
        Instant fence = token != null ? token : beginUpdate(owner, key.hash(), attempt);
        boolean acted = false;
        try {
            if (guardrailDiffers) {
                setGuardrail(owner, key, desired.guardrail(), fence);
                acted = true;
            }
            if (limitsDiffer) {
                calls.call("PATCH /keys/{hash}", () -> {
                    store.confirmAttempt(owner, fence);
                    return api.updateLimits(key.hash(), desired.limits());
                });
            }
        } catch (AttemptSupersededException superseded) {
            if (acted) {
                throw unsettled(owner, key.hash(), attempt, superseded);
            }
            throw superseded;
        } catch (FatalException e) {
            try {
                if (e.notFound()) {
                    settleNotFound(owner, key.hash(), attempt, e);
                }
            } finally {
                // the owner is dead-lettered or its key replaced: its next attempt, if any, assigns and PATCHes
                // whatever differs, and a read-back would find nothing the row does not say
                forget(owner, fence, e);
            }
            throw e;
        } catch (ProvisioningException e) {
            // a call certainly not carried out (refused, no permit, a rejected management key) clears the
            // intent of this update; the intent taken over from an unknown one stays, and with it the cue to
            // read the key back, or the retry would trust a row OpenRouter may not agree with
            if (token == null && !acted && !(e instanceof RetryableException r && r.outcomeUnknown())) {
                forget(owner, fence, e);
            }
            throw e;
        }
        try {
            store.savePolicy(
                    owner, key.hash(), desired.limits(), desired.guardrail().orElse(null), attempt, fence);
        } catch (AttemptSupersededException superseded) {
            throw unsettled(owner, key.hash(), attempt, superseded);
        }
        return new Outcome.Updated(key.hash(), desired.limits());
    }

    /**
     * Takes the update's intent; when another worker holds one or the key was replaced meanwhile (a rotation),
     * the attempt is retried, and the next one converges what is then: stepping aside would leave a replaced
     * key without this policy.
     */
    private Instant beginUpdate(OwnerRef owner, String hash, int attempt) {
        try {
            return store.beginUpdate(owner, attempt, hash);
        } catch (AttemptSupersededException busy) {
            throw new RetryableException(
                    "key " + hash + " of " + owner + " was replaced, or another worker is updating it; the next"
                            + " attempt updates the stored key",
                    busy);
        }
    }

    /**
     * Another worker took the owner over after this attempt's update call(s) went out: which of the two
     * OpenRouter carried out last is unknown, so a new intent is left for the next attempt to read the key
     * back, and this one is retried.
     */
    private RetryableException unsettled(
            OwnerRef owner, String hash, int attempt, AttemptSupersededException superseded) {
        store.unsettleUpdate(owner, attempt, hash);
        LOG.info(
                "another worker took over {} while key {} was being updated; the next attempt reads it back",
                owner,
                hash);
        return new RetryableException(
                "another worker took over " + owner + " while key " + hash + " was being updated; which update"
                        + " OpenRouter carried out last is unknown, so the next attempt reads the key back",
                superseded);
    }

    /**
     * A PATCH or guardrail assignment of the stored key {@code hash} answered 404. The key this worker loaded
     * may be gone because it was replaced meanwhile ({@code rotate-keys} stores a new key, then deletes the
     * old one): that is no reason to dead-letter the owner, whose new key would then never get its policy.
     * When the owner's stored key is now another one, the attempt is retried and the next one converges that
     * key; when it is still {@code hash} and OpenRouter no longer has it, it is marked lost and the next
     * attempt gives the owner a new key. Returns (and the 404 stays fatal) only when the key is still there:
     * then the 404 was about the guardrail.
     */
    private void settleNotFound(OwnerRef owner, String hash, int attempt, FatalException notFound) {
        Optional<String> stored = store.load(owner).activeKey().map(StoredKey::hash);
        if (!stored.equals(Optional.of(hash))) {
            throw new RetryableException(
                    "key " + hash + " of " + owner + " was replaced while it was being updated ("
                            + notFound.getMessage() + "); the next attempt updates the stored key",
                    notFound);
        }
        if (!exists(hash)) {
            LOG.warn("stored key {} of {} no longer exists on OpenRouter; replacing it", hash, owner);
            store.markLost(owner, hash, attempt);
            throw new RetryableException(
                    "stored key " + hash + " of " + owner + " no longer exists on OpenRouter (" + notFound.getMessage()
                            + "); the next attempt gives it a new key",
                    notFound);
        }
    }

    /**
     * Assigns the stored key to the guardrail it should hold, or takes it out of the one it was last set to,
     * each call confirming the update's intent {@code token} right before it is sent. Idempotent on
     * OpenRouter; the caller records the new state.
     */
    private void setGuardrail(OwnerRef owner, StoredKey key, Optional<String> guardrail, Instant token) {
        if (guardrail.isPresent()) {
            assign(owner, key.hash(), guardrail.get(), () -> store.confirmAttempt(owner, token));
            return;
        }
        try {
            calls.call("POST /guardrails/{id}/assignments/keys/remove", () -> {
                store.confirmAttempt(owner, token);
                return api.unassignGuardrail(key.guardrailId(), List.of(key.hash()));
            });
        } catch (FatalException e) {
            if (!e.notFound()) {
                throw e;
            }
            // a deleted guardrail takes its assignments with it: the key holds it no more, as wanted
            LOG.info("guardrail {} of key {} of {} is gone; nothing to unassign", key.guardrailId(), key.hash(), owner);
        }
    }

    /**
     * Assigns key {@code hash} to {@code guardrail}, after {@code fence} (which throws when the attempt was
     * superseded). A guardrail OpenRouter does not have (404) is fatal, with a reason naming it; an answer
     * whose {@code assigned_count} is not 1 (the one hash sent) is retryable.
     */
    private void assign(OwnerRef owner, String hash, String guardrail, Runnable fence) {
        int assigned;
        try {
            assigned = calls.call("POST /guardrails/{id}/assignments/keys", () -> {
                fence.run();
                return api.assignGuardrail(guardrail, List.of(hash));
            });
        } catch (FatalException e) {
            throw new FatalException(
                    "key " + hash + " of " + owner + " cannot be assigned to guardrail " + guardrail
                            + " (from ai_key_policies or the owner type's setting): " + e.getMessage(),
                    e);
        }
        if (assigned != 1) {
            // a 200 that assigned nothing must not be recorded as the key's guardrail
            throw new RetryableException("POST /guardrails/" + guardrail + "/assignments/keys answered 200 but"
                    + " assigned_count " + assigned + " for key " + hash + " of " + owner + " (expected 1)");
        }
    }

    private Outcome create(OwnerRef owner, Instant inFlightSince, DesiredKey desired, int attempt) {
        // the unknown attempt's intent is taken over before its leftovers are deleted, so a worker still
        // finishing it can no longer store the key this clean-up may be deleting; each delete is fenced by
        // the new token, and the intent of the create replaces it (compare-and-set) right before the POST
        Instant expected = inFlightSince;
        if (inFlightSince != null) {
            expected = store.takeOverAttempt(owner, attempt, inFlightSince);
            leftovers.delete(owner, expected, null);
        }
        return createFenced(owner, expected, desired, attempt);
    }

    /** Creates and stores a key under a new intent, which replaces {@code expected} (compare-and-set). */
    private Outcome createFenced(OwnerRef owner, Instant expected, DesiredKey desired, int attempt) {
        Instant token = store.beginAttempt(owner, attempt, expected);
        CreatedKey created = send(owner, desired.limits(), token);
        String hash = created.data().hash();
        if (desired.guardrail().isPresent()) {
            // before the key is stored: the application never reads a key that is not under its guardrail
            try {
                assign(owner, hash, desired.guardrail().get(), () -> store.confirmAttempt(owner, token));
            } catch (RuntimeException notAssigned) {
                discard(owner, hash, notAssigned, attempt);
                throw notAssigned;
            }
        }
        try {
            store.saveCreated(owner, created.data(), created.key(), desired.limits(), attempt, token);
        } catch (KeyConflictException conflict) {
            settleConflict(owner, conflict, attempt);
            discard(owner, created.data().hash(), conflict, attempt);
            throw conflict;
        } catch (FatalException notStored) {
            discard(owner, created.data().hash(), notStored, attempt);
            throw notStored;
        }
        // any other failure may have happened after the commit (a connection lost while committing): the
        // key may be stored, so it is not deleted; the intent, still set unless the commit happened, makes
        // the next attempt delete every key with this name before it creates one
        if (desired.guardrail().isPresent()) {
            // a crash before this line leaves the column empty: the policy sweep then assigns it again
            store.saveGuardrail(owner, hash, desired.guardrail().get());
        }
        keysCreated.increment();
        LOG.debug("created key {} for {} (attempt {})", created.data().hash(), owner, attempt);
        return new Outcome.Created(created.data().hash());
    }

    /**
     * Deletes a key that was certainly not stored, so it does not stay spendable. When that fails, the
     * intent is set again (a conflicting worker's save cleared it), so the next attempt deletes it.
     */
    private void discard(OwnerRef owner, String hash, RuntimeException storeFailure, int attempt) {
        try {
            delete(hash);
            LOG.warn("deleted fresh key {} of {} because it could not be stored", hash, owner);
        } catch (RuntimeException e) {
            storeFailure.addSuppressed(e);
            store.reopenAttempt(owner, attempt);
            LOG.warn("could not delete fresh key {} of {} after storing it failed; the next attempt will", hash, owner);
        }
    }

    /**
     * Another worker stored a key for this owner while we created ours. If that worker's key is gone on
     * OpenRouter (our clean-up of an unknown outcome deleted it before its save landed), it is revoked so
     * that the next attempt provisions the owner again instead of keeping a dead key.
     */
    private void settleConflict(OwnerRef owner, KeyConflictException conflict, int attempt) {
        String active = conflict.activeHash();
        if (active != null && !exists(active)) {
            LOG.warn("stored key {} of {} no longer exists on OpenRouter; revoking it", active, owner);
            store.markLost(owner, active, attempt);
        }
    }

    /**
     * Sends the create, exactly once. When it certainly did not take effect (no permit, or the server
     * answered that it did not act: 4xx, 429) the intent is cleared, so the next attempt does not list
     * the account; after a timeout, a reset or a 5xx the intent stays and the next attempt cleans up.
     */
    private CreatedKey send(OwnerRef owner, KeyLimits desired, Instant token) {
        try {
            return calls.call("POST /keys", () -> api.create(names.nameOf(owner), desired));
        } catch (RetryableException e) {
            if (!e.outcomeUnknown()) {
                forget(owner, token, e);
            }
            throw e;
        } catch (ProvisioningException e) {
            forget(owner, token, e);
            throw e;
        }
    }

    private void forget(OwnerRef owner, Instant token, RuntimeException failure) {
        try {
            store.clearAttempt(owner, token);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private void delete(String hash) {
        calls.call("DELETE /keys/{hash}", () -> api.delete(hash));
    }
}
