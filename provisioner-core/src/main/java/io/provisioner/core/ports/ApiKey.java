package io.provisioner.core.ports;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * What OpenRouter says about a key (the {@code data} object). Holds no secret: {@code hash} is the
 * key's public identifier and {@code label} a masked rendering of it.
 */
public record ApiKey(
        String hash,
        String name,
        String label,
        boolean disabled,
        BigDecimal limit,
        LimitReset limitReset,
        Instant createdAt) {

    /**
     * The limits OpenRouter reports, as the row would record them: no limit reads as a cap of 0 (as a row
     * without one does), no reset as {@link LimitReset#NONE}.
     */
    public KeyLimits limits() {
        return new KeyLimits(
                limit == null ? BigDecimal.ZERO : limit, limitReset == null ? LimitReset.NONE : limitReset);
    }
}
