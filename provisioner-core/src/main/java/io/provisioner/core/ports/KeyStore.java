package io.provisioner.core.ports;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.secret.Secret;
import java.time.Instant;
import java.util.Optional;

/**
 * The database side of provisioning: owner rows, {@code ai_provider_keys} (secrets encrypted by the
 * implementation) and {@code ai_key_provision_jobs}. Each method is one transaction. Thread-safe.
 * Failures are thrown as {@link io.provisioner.core.errors.RetryableException} (transient) or
 * {@link io.provisioner.core.errors.FatalException}.
 */
public interface KeyStore {

    OwnerState load(OwnerRef owner);

    /**
     * Write-ahead intent, as a compare-and-set: records that a create for this owner is about to be sent
     * (attempt n), but only while the owner has no active key and its intent is still {@code expectedToken}
     * (the {@link JobState#attemptInFlightSince()} this attempt loaded; null for none).
     *
     * @return the attempt's token: {@link #saveCreated(OwnerRef, ApiKey, Secret, KeyLimits, int, Instant)}
     *     stores the key only while no later attempt (of this or another worker) has begun since
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when another worker
     *     stored a key, began an attempt or cleared the intent since, or the owner's row is gone (a worker
     *     that stalled after reading the row must not create a key for an owner deleted meanwhile)
     */
    Instant beginAttempt(OwnerRef owner, int attempt, Instant expectedToken);

    /**
     * The same write-ahead intent for a revoke: records that the owner's stored key (and any key an earlier
     * attempt may have left) is about to be deleted, as a compare-and-set of the intent from
     * {@code expectedToken}, and only while the owner's row is gone. An earlier attempt's intent is taken
     * over as {@link #takeOverAttempt} does (so a listing from the new token still covers it); with none,
     * the token is now. Each DELETE is then fenced by {@link #confirmAttempt} and the database write by
     * {@link #markRevoked}; a worker that finds the row back takes the intent over, so this attempt
     * deletes and writes nothing from then on.
     *
     * @return the revoke's token
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when the intent is no
     *     longer {@code expectedToken} or the owner's row exists again
     */
    Instant beginRevoke(OwnerRef owner, int attempt, Instant expectedToken);

    /**
     * Takes over the intent {@code token} of an attempt whose outcome is unknown, before its leftover keys
     * are deleted: a compare-and-set of the intent to {@code token} plus one microsecond. The stalled
     * attempt can then no longer store its key (its token is stale, so its save is refused and it deletes
     * its key itself), while a listing that looks back from the new token still covers the same moment.
     *
     * @return the new token, which fences the clean-up's deletes ({@link #confirmAttempt})
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when the intent is no
     *     longer {@code token}
     */
    Instant takeOverAttempt(OwnerRef owner, int attempt, Instant token);

    /**
     * Fences one side effect (a {@code DELETE} on OpenRouter) of the attempt that holds {@code token}:
     * confirms under the job row's lock that the owner's intent is still {@code token}.
     *
     * @return the hash of the owner's active key at this moment, which must never be deleted; empty for none
     * @throws io.provisioner.core.errors.AttemptSupersededException when a later attempt began, or the
     *     intent was cleared (a key stored, the owner converged by another worker)
     */
    Optional<String> confirmAttempt(OwnerRef owner, Instant token);

    /**
     * Clears the intent if it is still {@code token}: the create was certainly not carried out (never sent,
     * or the server answered that it did not act), so the next attempt need not look for a leftover key.
     *
     * @return false when another attempt holds the intent (it is left alone)
     */
    boolean clearAttempt(OwnerRef owner, Instant token);

    /**
     * Sets the intent unless one is set, without superseding an attempt in progress: a key that could not
     * be deleted may be left on OpenRouter, and the next attempt must clean it up.
     */
    void reopenAttempt(OwnerRef owner, int attempt);

    /**
     * Stores a freshly created key, encrypted, and sets the job to {@code succeeded} with the intent
     * cleared, atomically. Throws {@link io.provisioner.core.errors.KeyConflictException} (nothing stored)
     * when the owner already has another active key, or when {@code attemptToken} is not null and another
     * attempt began after the one that token belongs to: that attempt may have deleted this key already.
     */
    void saveCreated(OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, int attempts, Instant attemptToken);

    /** {@link #saveCreated(OwnerRef, ApiKey, Secret, KeyLimits, int, Instant)} without the attempt check. */
    default void saveCreated(OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, int attempts) {
        saveCreated(owner, key, secret, limits, attempts, null);
    }

    /**
     * Write-ahead intent of an update of the owner's stored key (a {@code PATCH} of its limits, a guardrail
     * assignment): a compare-and-set of the intent from none to a new token, while {@code hash} is still
     * the owner's active key. Each call is then fenced by {@link #confirmAttempt} and the database write by
     * {@link #savePolicy}; a worker that finds the intent set reads the key back before it trusts the row.
     *
     * @return the update's token
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when another attempt
     *     holds the intent or the owner's active key is no longer {@code hash}
     */
    Instant beginUpdate(OwnerRef owner, int attempt, String hash);

    /**
     * Records what the owner's active key {@code hash} was just set to (its limits and guardrail, null for
     * none), sets the job to {@code succeeded} and clears the intent, but only while the intent is still
     * {@code token}.
     *
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when another attempt
     *     holds the intent, or the intent was cleared
     * @throws io.provisioner.core.errors.RetryableException when the owner's active key is not {@code hash}
     */
    void savePolicy(
            OwnerRef owner, String hash, KeyLimits limits, String guardrailIdOrNull, int attempts, Instant token);

    /**
     * An update of the owner's key was sent but another worker superseded it meanwhile, so which of the two
     * OpenRouter carried out last is unknown: while {@code hash} is still the owner's active key, sets a new
     * intent, superseding any attempt in progress (whose save is then refused too), so that the next attempt,
     * or the orphan sweep, reads the key back from OpenRouter before it trusts the row. Does nothing when the
     * key was replaced or revoked meanwhile: the attempt that did so set its own key's policy.
     */
    void unsettleUpdate(OwnerRef owner, int attempt, String hash);

    /**
     * Records the OpenRouter guardrail the owner's active key {@code hash} was just assigned to (null: it was
     * taken out of its guardrail). Nothing changes when that key is no longer active.
     */
    default void saveGuardrail(OwnerRef owner, String hash, String guardrailIdOrNull) {
        throw new UnsupportedOperationException(
                "guardrails are not supported by " + getClass().getSimpleName());
    }

    /**
     * Marks the key revoked (if a hash is given) and the job {@code revoked}, clearing the intent, but only
     * while the intent is still {@code token} (null: none).
     *
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when another attempt
     *     holds the intent, or the intent was cleared
     */
    void markRevoked(OwnerRef owner, String hashOrNull, int attempts, Instant token);

    /**
     * Sets the job to {@code succeeded}, clearing the intent (nothing needed doing, or a duplicate was
     * cleaned), but only while the intent is still {@code token} (null: none).
     *
     * @throws io.provisioner.core.errors.AttemptSupersededException (nothing changed) when another attempt
     *     holds the intent, or the intent was cleared
     */
    void markSucceeded(OwnerRef owner, int attempts, Instant token);

    /**
     * OpenRouter no longer has the key {@code hash} (a {@code GET} answered 404, or our own DELETE of it went
     * through): revokes it if it is the owner's active key, and sets the intent unless one is set, so the
     * next attempt provisions the owner again. Not fenced by a token: it only records a fact about that
     * hash, which no worker can make true again, and leaves every other key and an intent alone.
     */
    void markLost(OwnerRef owner, String hash, int attempts);

    void markRetrying(OwnerRef owner, int attempts, String error, Instant nextAttemptAt);

    void markDead(OwnerRef owner, int attempts, String error);
}
