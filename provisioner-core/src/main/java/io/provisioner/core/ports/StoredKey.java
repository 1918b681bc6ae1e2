package io.provisioner.core.ports;

import java.time.Instant;

/**
 * The active row of {@code ai_provider_keys} for an owner, without its encrypted secret.
 *
 * @param limits the limit and reset the key was last set to
 * @param guardrailId the OpenRouter guardrail the key was last assigned to; null for none
 */
public record StoredKey(String hash, String name, KeyLimits limits, Instant createdAt, String guardrailId) {

    /** A key without guardrail. */
    public StoredKey(String hash, String name, KeyLimits limits, Instant createdAt) {
        this(hash, name, limits, createdAt, null);
    }
}
