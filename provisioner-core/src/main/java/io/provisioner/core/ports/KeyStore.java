package io.provisioner.core.ports;

import io.provisioner.core.config.Secret;
import io.provisioner.core.events.OwnerRef;
import java.time.Instant;

/**
 * The database side of provisioning: owner rows, {@code ai_provider_keys} (secrets encrypted by the
 * implementation) and {@code ai_key_provision_jobs}. Each method is one transaction. Thread-safe.
 * Failures are thrown as {@link io.provisioner.core.errors.RetryableException} (transient) or
 * {@link io.provisioner.core.errors.FatalException}.
 */
public interface KeyStore {

    OwnerState load(OwnerRef owner);

    /**
     * Write-ahead intent: records that a create for this owner is about to be sent (attempt n).
     *
     * @return the attempt's token: {@link #saveCreated(OwnerRef, ApiKey, Secret, KeyLimits, int, Instant)}
     *     stores the key only while no later attempt (of this or another worker) has begun since
     */
    Instant beginAttempt(OwnerRef owner, int attempt);

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

    /** Records the limits of the owner's active key after a PATCH; sets the job to {@code succeeded}. */
    void saveLimits(OwnerRef owner, String hash, KeyLimits limits, int attempts);

    /** Marks the key revoked (if a hash is given) and the job {@code revoked}; clears the intent. */
    void markRevoked(OwnerRef owner, String hashOrNull, int attempts);

    /** Sets the job to {@code succeeded}, clearing any intent (nothing needed doing, or a duplicate was cleaned). */
    void markSucceeded(OwnerRef owner, int attempts);

    void markRetrying(OwnerRef owner, int attempts, String error, Instant nextAttemptAt);

    void markDead(OwnerRef owner, int attempts, String error);
}
