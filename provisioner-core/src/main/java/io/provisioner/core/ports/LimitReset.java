package io.provisioner.core.ports;

import java.util.Locale;

/** When OpenRouter resets a key's spending limit. {@link #NONE} is sent as JSON {@code null}. */
public enum LimitReset {
    DAILY,
    WEEKLY,
    MONTHLY,
    NONE;

    /** The API's value: {@code daily}, {@code weekly}, {@code monthly}, or null for none. */
    public String wire() {
        return this == NONE ? null : name().toLowerCase(Locale.ROOT);
    }

    /** Parses the API's or the configuration's value; null and {@code none} mean {@link #NONE}. */
    public static LimitReset fromWire(String value) {
        if (value == null || value.isBlank() || value.equalsIgnoreCase("none") || value.equalsIgnoreCase("null")) {
            return NONE;
        }
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
}
