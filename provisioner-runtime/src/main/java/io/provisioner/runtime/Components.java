package io.provisioner.runtime;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The pipeline's components, as named by {@code --components}. {@code cdc} and {@code sweep} are each
 * leader-elected: any number of processes may run them, one is active.
 */
public enum Components {
    CDC,
    PROVISIONER,
    RETRY,
    SWEEP;

    /**
     * What {@code run} starts without {@code --components}: all of them, but cdc when CDC runs on Kafka
     * Connect ({@code CDC_CONNECT_URL} set).
     */
    public static Set<Components> defaults(boolean cdcOnConnect) {
        Set<Components> all = EnumSet.allOf(Components.class);
        if (cdcOnConnect) {
            all.remove(CDC);
        }
        return all;
    }

    /**
     * Parses {@code cdc,provisioner,retry,sweep}.
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
                        "--components: unknown component '" + s + "' (expected cdc, provisioner, retry, sweep)");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--components names no component");
        }
        return out;
    }
}
