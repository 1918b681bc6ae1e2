package io.provisioner.cli;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The pipeline's components, as named by {@code --components}. */
public enum Components {
    CDC,
    PROVISIONER,
    RETRY;

    /** Parses {@code cdc,provisioner,retry}; the message of a failure names the option. */
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
                throw new UsageException(
                        "--components: unknown component '" + s + "' (expected cdc, provisioner, retry)");
            }
        }
        if (out.isEmpty()) {
            throw new UsageException("--components names no component");
        }
        return out;
    }
}
