package io.provisioner.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Durations on the command line: ISO-8601 ({@code PT5S}) or {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
final class Durations {

    private Durations() {}

    static Duration parse(String option, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        try {
            Duration d = v.endsWith("MS") && !v.startsWith("P")
                    ? Duration.ofMillis(
                            Long.parseLong(v.substring(0, v.length() - 2).trim()))
                    : Duration.parse(v.startsWith("P") ? v : "PT" + v);
            if (d.isNegative() || d.isZero()) {
                throw new UsageException(option + " must be positive, was " + value);
            }
            return d;
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new UsageException(option + ": not a duration such as 5s, 500ms or PT1M: " + value);
        }
    }
}
