package io.provisioner.core.ports;

import io.provisioner.core.errors.RetryableException;
import java.util.List;
import java.util.Optional;

/**
 * OpenRouter's key management API. Implementations are thread-safe and throw only
 * {@link io.provisioner.core.errors.RetryableException}, {@link io.provisioner.core.errors.FatalException}
 * or {@link io.provisioner.core.errors.CredentialsException}, classified by
 * {@link io.provisioner.core.errors.ErrorClassifier}.
 */
public interface KeysApi {

    /** OpenRouter's page size of {@code GET /keys}. */
    int PAGE_SIZE = 100;

    /** {@code GET /key}: succeeds when the management key is accepted. */
    void verifyCredentials();

    /** {@code POST /keys}. Not idempotent: a retry after an unknown outcome can leave a second key. */
    CreatedKey create(String name, KeyLimits limits);

    /** {@code GET /keys/{hash}}; empty when OpenRouter answers 404. */
    Optional<ApiKey> get(String hash);

    /** {@code GET /keys?offset=&include_disabled=}: one page, newest first, at most {@link #PAGE_SIZE}. */
    List<ApiKey> list(int offset, boolean includeDisabled);

    /**
     * {@code GET /keys?offset=&include_disabled=true}: the spend of one page of keys, newest first, at most
     * {@link #PAGE_SIZE}. Implementations that cannot read it throw {@link UnsupportedOperationException}.
     */
    default List<KeyUsage> listUsage(int offset) {
        throw new UnsupportedOperationException(
                "listUsage is not supported by " + getClass().getSimpleName());
    }

    /**
     * {@code GET /guardrails/assignments/keys?offset=&limit=100}: one page of the account's key assignments
     * to guardrails, at most {@link #PAGE_SIZE}. Implementations that cannot read it throw {@link
     * UnsupportedOperationException}.
     */
    default List<KeyAssignment> listKeyAssignments(int offset) {
        throw new UnsupportedOperationException(
                "guardrails are not supported by " + getClass().getSimpleName());
    }

    /** {@code PATCH /keys/{hash}} with the new limit and reset. */
    ApiKey updateLimits(String hash, KeyLimits limits);

    /**
     * {@code PATCH /keys/{hash}} with a new name and the limit and reset: adopts a key made elsewhere (the
     * edge function's) under the pipeline's naming scheme. Implementations that cannot rename throw
     * {@link UnsupportedOperationException}.
     */
    default ApiKey rename(String hash, String name, KeyLimits limits) {
        throw new UnsupportedOperationException(
                "rename is not supported by " + getClass().getSimpleName());
    }

    /**
     * {@code GET /guardrails/{id}}: false when OpenRouter answers 404 (no such guardrail). Implementations
     * without guardrails throw {@link UnsupportedOperationException}.
     */
    default boolean guardrailExists(String guardrailId) {
        throw new UnsupportedOperationException(
                "guardrails are not supported by " + getClass().getSimpleName());
    }

    /**
     * {@code POST /guardrails/{id}/assignments/keys}: assigns the keys to the guardrail, replacing any
     * guardrail they held (a key holds at most one). Idempotent. A 404 (unknown guardrail or key) is a
     * {@link io.provisioner.core.errors.FatalException}.
     *
     * @return how many keys OpenRouter reports assigned
     */
    default int assignGuardrail(String guardrailId, List<String> keyHashes) {
        throw new UnsupportedOperationException(
                "guardrails are not supported by " + getClass().getSimpleName());
    }

    /**
     * {@code POST /guardrails/{id}/assignments/keys/remove}: the keys no longer hold that guardrail.
     * Idempotent; a key assigned to another guardrail keeps it.
     *
     * @return how many assignments OpenRouter reports removed
     */
    default int unassignGuardrail(String guardrailId, List<String> keyHashes) {
        throw new UnsupportedOperationException(
                "guardrails are not supported by " + getClass().getSimpleName());
    }

    /** {@code DELETE /keys/{hash}}; false when the key was already gone (404). */
    boolean delete(String hash);

    /**
     * {@link #delete}, with a failure that leaves the outcome unknown (a 5xx, a timeout or a reset after the
     * request went out) settled by reading the key back: gone means the delete was carried out.
     *
     * @return true once the key is gone
     * @throws RetryableException when the key still exists, or the outcome could not be settled
     */
    default boolean deleteSettled(String hash) {
        try {
            delete(hash);
            return true;
        } catch (RetryableException e) {
            if (e.outcomeUnknown() && get(hash).isEmpty()) {
                return true;
            }
            throw e;
        }
    }

    /**
     * Every key, every page, disabled ones included, each once; a key that exists throughout is never
     * missed although others are created or deleted between pages ({@link KeyListing}).
     */
    default List<ApiKey> listAll() {
        return KeyListing.all(offset -> list(offset, true));
    }

    /** Every key whose name is exactly {@code name}. */
    default List<ApiKey> findByName(String name) {
        return listAll().stream().filter(k -> name.equals(k.name())).toList();
    }
}
