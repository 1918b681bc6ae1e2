package io.provisioner.cli.ops;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.DesiredKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyListing;
import io.provisioner.core.ports.KeyPolicy;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.KeyRotations;
import io.provisioner.db.KeyRotations.ActiveKey;
import io.provisioner.db.KeyRotations.PendingDelete;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives owners a new key, with no moment at which the application reads a key that does not work: the new
 * key is created under the owner's write-ahead intent (fenced like the provisioner's creates), stored in
 * the transaction that marks the old key's row revoked ({@link KeyRotations#saveRotated}), and only then is
 * the old key deleted on OpenRouter. The new key gets the limits and guardrail the owner should have now
 * (the owner type's settings overridden by its {@code ai_key_policies} row, as for the provisioner's
 * creates), and is assigned to that guardrail before it is stored, with its {@code guardrail_id}. An interruption leaves one of two states, both finished by running
 * it again: an intent with a key perhaps created but not stored (the next run, or the orphan sweep after
 * {@code PROVISIONER_ORPHAN_GRACE}, deletes every key of the owner's name created since the intent that is
 * not its stored key, then rotates), or a stored new key and an old key whose DELETE is pending (every run
 * first deletes those). Every call goes through the {@link KeysApi} it is given (the shared rate limit).
 * Not thread-safe: one run at a time.
 */
public final class KeyRotator {

    /** What happened to one owner. */
    public enum Outcome {
        ROTATED(true),
        WOULD_ROTATE(true),
        /** The owner's key changed meanwhile (the pipeline acted), or its row is gone: nothing done. */
        SKIPPED(true),
        /** The new key is stored, the old one revoked; its DELETE failed and is retried by the next run. */
        DELETE_PENDING(false),
        FAILED(false);

        private final boolean fine;

        Outcome(boolean fine) {
            this.fine = fine;
        }

        public boolean fine() {
            return fine;
        }

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One owner's result; {@code detail} names hashes and reasons, never a secret. */
    public record Result(String owner, Outcome outcome, String oldHash, String newHash, String detail) {}

    /** Pending deletes of earlier runs: finished, and still failing. */
    public record Leftovers(int deleted, int failed) {}

    /** Most pending deletes finished by one run. */
    static final int PENDING_BATCH = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(KeyRotator.class);

    private final KeysApi api;
    private final KeyRotations rotations;
    private final KeyNames names;
    private final BiFunction<String, KeyPolicy, DesiredKey> desired;

    /**
     * @param api OpenRouter, rate-limited
     * @param desired what an owner's key should be, from its type and its {@code ai_key_policies} row (the
     *     provisioner's own rule: {@code ProvisionerConfig.Limits#desired})
     */
    public KeyRotator(
            KeysApi api, KeyRotations rotations, KeyNames names, BiFunction<String, KeyPolicy, DesiredKey> desired) {
        this.api = api;
        this.rotations = rotations;
        this.names = names;
        this.desired = desired;
    }

    /** Deletes on OpenRouter the old keys that earlier rotations revoked but could not delete. */
    public Leftovers finishPendingDeletes() {
        int deleted = 0;
        int failed = 0;
        for (PendingDelete p : rotations.pendingDeletes(PENDING_BATCH)) {
            try {
                api.deleteSettled(p.hash());
                rotations.deleted(p.hash());
                deleted++;
                LOG.info("deleted key {} of {}, revoked by an earlier rotation", p.hash(), p.owner());
            } catch (ProvisioningException e) {
                failed++;
                LOG.warn(
                        "could not delete key {} of {} revoked by an earlier rotation: {}",
                        p.hash(),
                        p.owner(),
                        e.getMessage());
            }
        }
        return new Leftovers(deleted, failed);
    }

    /** The keys still to delete after earlier rotations, for a dry run. */
    public List<PendingDelete> pendingDeletes() {
        return rotations.pendingDeletes(PENDING_BATCH);
    }

    /** Rotates each key in order (or only reports, with {@code dryRun}), telling {@code progress} after each. */
    public List<Result> run(List<ActiveKey> keys, boolean dryRun, Consumer<Result> progress) {
        List<Result> out = new ArrayList<>(keys.size());
        for (ActiveKey key : keys) {
            Result r = dryRun
                    ? new Result(
                            key.owner().key(), Outcome.WOULD_ROTATE, key.hash(), null, "created " + key.createdAt())
                    : rotateOne(key);
            out.add(r);
            progress.accept(r);
        }
        return out;
    }

    private Result rotateOne(ActiveKey key) {
        try {
            return rotate(key);
        } catch (AttemptSupersededException e) {
            return result(key, Outcome.SKIPPED, null, e.getMessage());
        } catch (ProvisioningException e) {
            return result(key, Outcome.FAILED, null, e.getMessage());
        }
    }

    private Result rotate(ActiveKey key) {
        OwnerRef owner = key.owner();
        java.time.Instant token = rotations.begin(owner, key.hash(), key.intent());
        if (key.intent() != null) {
            deleteLeftovers(key, token);
        }
        // the key the owner should have now (settings and policy), not a copy of the stored one's limits
        DesiredKey want = desired.apply(owner.ownerType(), key.policy());
        KeyLimits limits = want.limits();
        rotations.confirm(owner, token);
        CreatedKey created;
        try {
            created = api.create(names.nameOf(owner), limits);
        } catch (RetryableException e) {
            if (!e.outcomeUnknown()) {
                rotations.clear(owner, token);
                return result(key, Outcome.FAILED, null, "create failed: " + e.getMessage());
            }
            // a key may exist: the intent stays, and the next run (or the orphan sweep) deletes it
            return result(
                    key,
                    Outcome.FAILED,
                    null,
                    "create failed with an unknown outcome (" + e.getMessage()
                            + "); run rotate-keys again to clean up and rotate");
        } catch (ProvisioningException e) {
            rotations.clear(owner, token);
            return result(key, Outcome.FAILED, null, "create failed: " + e.getMessage());
        }
        String fresh = created.data().hash();
        String guardrail = want.guardrail().orElse(null);
        if (guardrail != null) {
            // before the key is stored: the application never reads a key that is not under its guardrail
            try {
                rotations.confirm(owner, token);
                api.assignGuardrail(guardrail, List.of(fresh));
            } catch (ProvisioningException notAssigned) {
                if (discard(owner, fresh)) {
                    rotations.clear(owner, token);
                }
                if (notAssigned instanceof AttemptSupersededException) {
                    throw notAssigned;
                }
                return result(
                        key,
                        Outcome.FAILED,
                        null,
                        "assigning the new key " + fresh + " to guardrail " + guardrail
                                + " (from ai_key_policies or the owner type's setting) failed ("
                                + notAssigned.getMessage() + "); the new key is deleted, the old one kept");
            }
        }
        ApiKey named = new ApiKey(
                fresh,
                names.nameOf(owner),
                created.data().label(),
                false,
                limits.limit(),
                limits.reset(),
                created.data().createdAt());
        try {
            rotations.saveRotated(owner, key.hash(), named, created.key(), limits, guardrail, token);
        } catch (AttemptSupersededException | FatalException notStored) {
            discard(owner, fresh);
            throw notStored;
        }
        // stored: the application reads the new key from here on; the old one goes
        try {
            api.deleteSettled(key.hash());
            rotations.deleted(key.hash());
        } catch (ProvisioningException e) {
            return result(
                    key,
                    Outcome.DELETE_PENDING,
                    fresh,
                    "new key stored; deleting the old one failed (" + e.getMessage() + "); the next run deletes it");
        }
        LOG.info("rotated the key of {}: {} replaced by {}", owner, key.hash(), fresh);
        return result(key, Outcome.ROTATED, fresh, "old key deleted");
    }

    /**
     * The owner's intent was set by an attempt whose outcome is unknown (an interrupted rotation or
     * create): every key of the owner's name created since then that is not its stored key is deleted,
     * each delete confirmed under the rotation's token first.
     */
    private void deleteLeftovers(ActiveKey key, java.time.Instant token) {
        String name = names.nameOf(key.owner());
        List<ApiKey> since = KeyListing.createdSince(
                offset -> api.list(offset, true), key.intent().minus(KeyListing.CLOCK_SKEW_MARGIN));
        for (ApiKey k : since) {
            if (name.equals(k.name()) && !k.hash().equals(key.hash())) {
                String active = rotations.confirm(key.owner(), token).orElse(null);
                if (!k.hash().equals(active)) {
                    api.deleteSettled(k.hash());
                    LOG.info("deleted key {} of {} left by an interrupted attempt", k.hash(), key.owner());
                }
            }
        }
    }

    /**
     * Deletes a fresh key that was certainly not stored; if that fails the orphan sweep (or the next run,
     * under the intent still set) deletes it.
     *
     * @return true once the key is gone
     */
    private boolean discard(OwnerRef owner, String hash) {
        try {
            return api.deleteSettled(hash);
        } catch (ProvisioningException e) {
            LOG.warn("could not delete fresh key {} of {}, which was not stored; the orphan sweep will", hash, owner);
            return false;
        }
    }

    private static Result result(ActiveKey key, Outcome outcome, String fresh, String detail) {
        return new Result(key.owner().key(), outcome, key.hash(), fresh, detail);
    }
}
