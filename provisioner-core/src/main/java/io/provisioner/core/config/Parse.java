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

    Optional<BigDecimal> decimal(Setting s, BigDecimal minExclusive) {
        Optional<String> v = source.get(s);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        BigDecimal d;
        try {
            d = new BigDecimal(v.get());
        } catch (NumberFormatException e) {
            throw new ConfigException(s.env(), "must be a decimal number, was '" + v.get() + "'");
        }
        if (d.compareTo(minExclusive) <= 0) {
            throw new ConfigException(s.env(), "must be greater than " + minExclusive + ", was " + v.get());
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

    /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 1d}, a plain number of seconds, or ISO-8601. */
    Duration duration(Setting s) {
        String v = required(s).trim();
        Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
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
        try {
            return Duration.parse(v);
        } catch (RuntimeException e) {
            throw new ConfigException(s.env(), "must be a duration such as 30s, 10m or 1h, was '" + v + "'");
        }
    }
}
