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
 * @param usage US dollars spent with the key ({@link OpenRouterSimulator#spend}); reported as {@code usage}
 *     and, since the simulator's periods never roll over, as {@code usage_daily}, {@code usage_weekly} and
 *     {@code usage_monthly} too
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
        Instant updatedAt,
        BigDecimal usage) {

    /** A key nothing was spent with yet. */
    public SimKey(
            String hash,
            String name,
            String secret,
            String label,
            BigDecimal limit,
            String limitReset,
            boolean disabled,
            Instant createdAt,
            Instant updatedAt) {
        this(hash, name, secret, label, limit, limitReset, disabled, createdAt, updatedAt, BigDecimal.ZERO);
    }

    /** This key with another {@code updatedAt} and {@code usage}. */
    SimKey with(Instant newUpdatedAt, BigDecimal newUsage) {
        return new SimKey(hash, name, secret, label, limit, limitReset, disabled, createdAt, newUpdatedAt, newUsage);
    }

    @Override
    public String toString() {
        return "SimKey[hash=" + hash + ", name=" + name + ", label=" + label + ", limit=" + limit + ", limitReset="
                + limitReset + ", disabled=" + disabled + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt
                + ", usage=" + usage + "]";
    }
}
