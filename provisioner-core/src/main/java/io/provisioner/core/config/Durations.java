package io.provisioner.core.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one reading of a duration, for settings and command-line options alike. Accepted, in any case and
 * with blanks allowed between a number and its unit:
 *
 * <ul>
 *   <li>a number of milliseconds, seconds, minutes, hours or days: {@code 500ms}, {@code 30s}, {@code 10m},
 *       {@code 1h}, {@code 1d}; with a fraction ({@code 1.5s}) or several added up ({@code 1h30m});
 *   <li>a plain whole number, read as seconds: {@code 30};
 *   <li>ISO-8601: {@code PT30S}, {@code PT1.5S}, {@code P1DT2H}.
 * </ul>
 *
 * A duration is never negative. Which durations a setting or option accepts beyond that is its own rule.
 */
public final class Durations {

    /** Examples for messages and help texts. */
    public static final String EXAMPLES = "500ms, 30s, 10m, 1h, 1d or PT30S";

    private static final Pattern PLAIN_SECONDS = Pattern.compile("\\d+");
    private static final Pattern UNITS = Pattern.compile("(?:\\d+(?:\\.\\d+)?\\s*(?:ms|s|m|h|d)\\s*)+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
    private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private Durations() {}

    /**
     * @param name the setting or option the text is the value of; failures name it
     * @throws ConfigException naming {@code name} when {@code text} is not a duration, is negative, or is too
     *     long for {@link Duration}
     */
    public static Duration parse(String name, String text) {
        String v = text == null ? "" : text.trim();
        if (v.startsWith("-")) {
            throw new ConfigException(name, "must not be negative, was '" + v + "'");
        }
        String lower = v.toLowerCase(Locale.ROOT);
        try {
            if (PLAIN_SECONDS.matcher(lower).matches()) {
                return Duration.ofSeconds(Long.parseLong(lower));
            }
            if (UNITS.matcher(lower).matches()) {
                return sum(lower);
            }
            if (lower.startsWith("p")) {
                Duration d = Duration.parse(v);
                if (!d.isNegative()) {
                    return d;
                }
                throw new ConfigException(name, "must not be negative, was '" + v + "'");
            }
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            // not a duration, or one too long for java.time.Duration: the message below says which forms work
        }
        throw new ConfigException(name, "must be a duration such as " + EXAMPLES + ", was '" + v + "'");
    }

    /** As {@link #parse}, and more than zero. */
    public static Duration positive(String name, String text) {
        Duration d = parse(name, text);
        if (d.isZero()) {
            throw new ConfigException(name, "must be more than 0, was '" + text.trim() + "'");
        }
        return d;
    }

    /** {@code 1h30m}: the parts in nanoseconds, added up exactly. */
    private static Duration sum(String lower) {
        BigDecimal nanos = BigDecimal.ZERO;
        Matcher m = PART.matcher(lower);
        while (m.find()) {
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(nanosPer(m.group(2))));
        }
        BigInteger whole = nanos.toBigIntegerExact(); // a fraction of a nanosecond is no duration
        BigInteger[] secondsAndNanos = whole.divideAndRemainder(NANOS_PER_SECOND.toBigInteger());
        return Duration.ofSeconds(secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValue());
    }

    private static BigDecimal nanosPer(String unit) {
        return BigDecimal.valueOf(
                switch (unit) {
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    case "h" -> 3_600_000_000_000L;
                    default -> 86_400_000_000_000L;
                });
    }

    /** The shortest text {@link #parse} reads back: {@code PT168H} as {@code 7d}, the largest whole unit. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (d.getNano() % 1_000_000 != 0) {
            return d.toString();
        }
        try {
            long ms = d.toMillis();
            if (ms % 86_400_000 == 0) {
                return d.toDays() + "d";
            }
            if (ms % 3_600_000 == 0) {
                return d.toHours() + "h";
            }
            if (ms % 60_000 == 0) {
                return d.toMinutes() + "m";
            }
            return ms % 1000 == 0 ? d.toSeconds() + "s" : ms + "ms";
        } catch (ArithmeticException tooLongForMillis) {
            return d.toString();
        }
    }
}
