package io.provisioner.core.ports;

import java.util.Objects;
import java.util.Optional;

/**
 * What one owner's key should be set to: the owner type's settings, overridden by the owner's
 * {@link KeyPolicy}.
 *
 * @param guardrail the OpenRouter guardrail the key is assigned to; empty for none
 */
public record DesiredKey(KeyLimits limits, Optional<String> guardrail) {
    public DesiredKey {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(guardrail, "guardrail");
    }

    /** True when the stored key was last set to the same limit, reset and guardrail. */
    public boolean matches(StoredKey key) {
        return limits.sameAs(key.limits()) && guardrail.equals(Optional.ofNullable(key.guardrailId()));
    }
}
