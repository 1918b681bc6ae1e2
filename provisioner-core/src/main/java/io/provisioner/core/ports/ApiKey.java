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
        Instant createdAt) {}
