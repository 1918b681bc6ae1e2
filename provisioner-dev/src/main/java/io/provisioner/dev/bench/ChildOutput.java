package io.provisioner.dev.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the bench reads from its children's output: settings printed as {@code KEY=VALUE} lines. */
final class ChildOutput {
    private ChildOutput() {}

    /**
     * The values of {@code keys} printed as {@code KEY=VALUE} lines (leading blanks allowed, the value up to
     * the line's end, trimmed), the last one winning; other lines (log lines among them) ignored.
     */
    static Map<String, String> settings(List<String> lines, Set<String> keys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : lines) {
            String l = line.strip();
            int eq = l.indexOf('=');
            if (eq > 0 && keys.contains(l.substring(0, eq))) {
                out.put(l.substring(0, eq), l.substring(eq + 1).strip());
            }
        }
        return out;
    }

    /** As {@link #settings}, requiring every one of {@code keys}. */
    static Map<String, String> required(String child, List<String> lines, Set<String> keys) {
        Map<String, String> out = settings(lines, keys);
        for (String k : keys) {
            if (!out.containsKey(k)) {
                throw new IllegalStateException(child + " did not print " + k + "=...");
            }
        }
        return out;
    }
}
