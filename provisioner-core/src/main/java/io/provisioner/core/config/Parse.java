package io.provisioner.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Typed reading of a {@link ConfigSource}; every failure names the setting. */
final class Parse {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private final ConfigSource source;

    Parse(ConfigSource source) {
        this.source = source;
    }

    Optional<String> string(Setting s) {
        return source.get(s);
    }

    String required(Setting s) {
        return source.get(s).orElseThrow(() -> new ConfigException(s.env(), "is required but not set"));
    }

    Optional<Secret> secret(Setting s) {
        return source.get(s).map(Secret::new);
    }

    int intIn(Setting s, int min, int max) {
        String v = required(s);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(s.env(), "must be a whole number, was '" + v + "'");
        }
        if (n < min || n > max) {
            throw new ConfigException(s.env(), "must be between " + min + " and " + max + ", was " + n);
        }
        return (int) n;
    }

    /**
     * A decimal in {@code [min, max]} with at most {@code maxDecimals} digits after the point; empty when
     * unset. {@code NaN}, {@code Infinity} and the like are not decimals.
     */
    Optional<BigDecimal> decimalIn(Setting s, BigDecimal min, BigDecimal max, int maxDecimals) {
        Optional<String> v = source.get(s);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        BigDecimal d;
        try {
            d = new BigDecimal(v.get().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(s.env(), "must be a decimal number, was '" + v.get() + "'");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(
                    s.env(),
                    "must be between " + min.toPlainString() + " and " + max.toPlainString() + ", was " + v.get());
        }
        if (d.stripTrailingZeros().scale() > maxDecimals) {
            throw new ConfigException(
                    s.env(), "must have at most " + maxDecimals + " digits after the point, was " + v.get());
        }
        return Optional.of(d);
    }

    <E extends Enum<E>> E choice(Setting s, Class<E> type) {
        String v = required(s);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(s.env(), "must be one of " + s.type() + ", was '" + v + "'");
        }
    }

    /**
     * A duration in {@code [min, max]}, or exactly zero when {@code zeroAllowed}: {@code 500ms},
     * {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d}, a plain number of seconds, or ISO-8601.
     */
    Duration durationIn(Setting s, Duration min, Duration max, boolean zeroAllowed) {
        Duration d = duration(s);
        if (zeroAllowed && d.isZero()) {
            return d;
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(
                    s.env(),
                    "must be " + (zeroAllowed ? "0 or " : "") + "between " + text(min) + " and " + text(max) + ", was '"
                            + required(s).trim() + "'");
        }
        return d;
    }

    private Duration duration(Setting s) {
        String v = required(s).trim();
        Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            return Duration.parse(v);
        } catch (RuntimeException e) {
            // not a duration, or a number too large for one (NumberFormatException, ArithmeticException)
            throw new ConfigException(s.env(), "must be a duration such as 30s, 10m or 1h, was '" + v + "'");
        }
    }

    /** {@code PT168H} reads as {@code 7d}: the largest whole unit. */
    static String text(Duration d) {
        if (d.toMillis() % 86_400_000 == 0) {
            return d.toDays() + "d";
        }
        if (d.toMillis() % 3_600_000 == 0) {
            return d.toHours() + "h";
        }
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
