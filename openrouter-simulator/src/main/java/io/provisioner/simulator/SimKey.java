package io.provisioner.simulator;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A key as the simulator holds it. {@code secret} is the {@code sk-or-v1-...} value OpenRouter shows
 * once, at creation; {@link #toString()} masks it so that a key can be logged or printed by a failing
 * assertion without leaking it.
 *
 * @param limit spending cap in US dollars, or null for none
 * @param limitReset {@code daily}, {@code weekly}, {@code monthly}, or null for none
 */
public record SimKey(
        String hash,
        String name,
        String secret,
        String label,
        BigDecimal limit,
        String limitReset,
        boolean disabled,
        Instant createdAt,
        Instant updatedAt) {

    @Override
    public String toString() {
        return "SimKey[hash=" + hash + ", name=" + name + ", label=" + label + ", limit=" + limit + ", limitReset="
                + limitReset + ", disabled=" + disabled + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt
                + "]";
    }
}
