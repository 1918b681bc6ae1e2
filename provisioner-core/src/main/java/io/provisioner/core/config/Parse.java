package io.provisioner.core.config;

import io.provisioner.core.secret.Secret;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Typed reading of a {@link ConfigSource}: every value goes through its setting's declaration
 * ({@link Setting#parse}), so every failure names the setting.
 */
final class Parse {

    private final ConfigSource source;

    Parse(ConfigSource source) {
        this.source = source;
    }

    /** Text (any type read as text): empty when neither set nor defaulted. */
    Optional<String> string(Setting s) {
        return value(s, Setting.Type.STRING, Setting.Type.URL).map(String.class::cast);
    }

    String required(Setting s) {
        return string(s).orElseThrow(() -> missing(s));
    }

    Optional<Secret> secret(Setting s) {
        return value(s, Setting.Type.SECRET).map(Secret.class::cast);
    }

    int integer(Setting s) {
        return (Integer) value(s, Setting.Type.INT).orElseThrow(() -> missing(s));
    }

    /** Empty when unset and without a default. */
    Optional<BigDecimal> decimal(Setting s) {
        return value(s, Setting.Type.DECIMAL).map(BigDecimal.class::cast);
    }

    Duration duration(Setting s) {
        return durationOrNone(s).orElseThrow(() -> missing(s));
    }

    /** Empty for the setting's text for "none" (see {@link Setting#none}). */
    Optional<Duration> durationOrNone(Setting s) {
        return value(s, Setting.Type.DURATION).map(Duration.class::cast);
    }

    <E extends Enum<E>> E choice(Setting s, Class<E> type) {
        String v = (String) value(s, Setting.Type.CHOICE).orElseThrow(() -> missing(s));
        return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
    }

    List<String> list(Setting s) {
        return value(s, Setting.Type.LIST)
                .map(v -> ((List<?>) v).stream().map(String.class::cast).toList())
                .orElse(List.of());
    }

    Optional<Path> path(Setting s) {
        return value(s, Setting.Type.PATH).map(Path.class::cast);
    }

    private Optional<Object> value(Setting s, Setting.Type... readAs) {
        if (!List.of(readAs).contains(s.type())) {
            throw new IllegalArgumentException(
                    s.env() + " is declared " + s.type() + ", not read as " + List.of(readAs));
        }
        Optional<String> text = source.get(s);
        if (text.isEmpty() || s.isNone(text.get())) {
            return Optional.empty();
        }
        return Optional.of(s.parse(text.get()));
    }

    private static ConfigException missing(Setting s) {
        return new ConfigException(s.env(), "is required but not set");
    }
}
