package io.provisioner.runtime;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The pipeline's components, as named by {@code --components}. */
public enum Components {
    CDC,
    PROVISIONER,
    RETRY;

    /**
     * Parses {@code cdc,provisioner,retry}.
     *
     * @throws IllegalArgumentException naming the option, when the list names no or an unknown component
     */
    public static Set<Components> parse(String list) {
        Set<Components> out = EnumSet.noneOf(Components.class);
        for (String raw : list.split(",")) {
            String s = raw.trim();
            if (s.isEmpty()) {
                continue;
            }
            try {
                out.add(valueOf(s.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "--components: unknown component '" + s + "' (expected cdc, provisioner, retry)");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--components names no component");
        }
        return out;
    }
}
