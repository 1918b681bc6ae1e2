package io.provisioner.core.ports;

import java.math.BigDecimal;
import java.util.Objects;

/** A key's spending cap in US dollars and when it resets. */
public record KeyLimits(BigDecimal limit, LimitReset reset) {
    public KeyLimits {
        Objects.requireNonNull(limit, "limit");
        Objects.requireNonNull(reset, "reset");
    }

    /** True when both describe the same cap, ignoring the scale of the decimal (200 == 200.00). */
    public boolean sameAs(KeyLimits other) {
        return other != null && limit.compareTo(other.limit) == 0 && reset == other.reset;
    }
}
