package io.provisioner.core.secret;

import java.util.Objects;

/** A secret value that never shows itself in {@code toString}, logs or exception messages. */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself: only for the one place that must send or use it. */
    public String reveal() {
        return value;
    }

    /** A masked rendering for {@code provisioner config}: length only. */
    public String masked() {
        return "****** (" + value.length() + " chars)";
    }

    @Override
    public String toString() {
        return "******";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
