package io.provisioner.core.config;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Which values of a setting are acceptable, once read as its {@link Setting.Type}. One validator both
 * checks a value and says in words what it accepts, so that a range or a list of choices is written once and
 * {@code provisioner config} prints the very rule that is enforced (as Kafka's {@code ConfigDef.Validator},
 * whose {@code toString} documents it).
 */
public interface Validator {

    /**
     * Empty when the value is acceptable; otherwise what it must be, such as {@code must be between 1 and
     * 10000}. The caller names the setting and quotes the value.
     */
    Optional<String> check(Object value);

    /** The rule in words, such as {@code 1 to 10000}. */
    String describe();

    /** Whole numbers from {@code min} to {@code max}, both included. */
    static Range<Integer> between(int min, int max) {
        return new Range<>(Integer.class, min, max, String::valueOf);
    }

    /** Whole numbers from {@code min} up. */
    static Range<Integer> atLeast(int min) {
        return new Range<>(Integer.class, min, null, String::valueOf);
    }

    /** Decimals from {@code min} to {@code max}, both included. */
    static Range<BigDecimal> between(BigDecimal min, BigDecimal max) {
        return new Range<>(BigDecimal.class, min, max, BigDecimal::toPlainString);
    }

    /** Durations from {@code min} to {@code max}, both included. */
    static Range<Duration> between(Duration min, Duration max) {
        return new Range<>(Duration.class, min, max, Durations::format);
    }

    /** Decimals with at most {@code digits} digits after the point. */
    static Validator maxDecimals(int digits) {
        return new Validator() {
            @Override
            public Optional<String> check(Object value) {
                return ((BigDecimal) value).stripTrailingZeros().scale() > digits
                        ? Optional.of("must have at most " + digits + " digits after the point")
                        : Optional.empty();
            }

            @Override
            public String describe() {
                return "at most " + digits + " decimals";
            }
        };
    }

    /** The constants of {@code choices}, in lower case; a value is compared in lower case. */
    static Validator oneOf(Class<? extends Enum<?>> choices) {
        List<String> names = Arrays.stream(choices.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT))
                .toList();
        String text = names.size() == 1
                ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        return new Validator() {
            @Override
            public Optional<String> check(Object value) {
                return names.contains(value.toString().toLowerCase(Locale.ROOT))
                        ? Optional.empty()
                        : Optional.of("must be " + text);
            }

            @Override
            public String describe() {
                return text;
            }
        };
    }

    /** Text matching {@code regex} entirely; {@code description} says the same in words. */
    static Validator matching(String regex, String description) {
        Pattern pattern = Pattern.compile(regex);
        return new Validator() {
            @Override
            public Optional<String> check(Object value) {
                return pattern.matcher(value.toString()).matches()
                        ? Optional.empty()
                        : Optional.of("must be " + description);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /** An absolute {@code http} or {@code https} URL. */
    static Validator httpUrl() {
        return new Validator() {
            @Override
            public Optional<String> check(Object value) {
                try {
                    String scheme = URI.create(value.toString()).getScheme();
                    return "http".equals(scheme) || "https".equals(scheme)
                            ? Optional.empty()
                            : Optional.of("must be an http(s) URL");
                } catch (IllegalArgumentException e) {
                    return Optional.of("is not a valid URL");
                }
            }

            @Override
            public String describe() {
                return "http or https";
            }
        };
    }

    /** Every one of {@code validators}, checked in order; the first failing one says why. */
    static All all(Validator... validators) {
        return new All(List.of(validators));
    }

    /** Every one of its parts, checked in order; the first failing one says why. */
    final class All implements Validator {
        private final List<Validator> parts;

        private All(List<Validator> parts) {
            this.parts = parts;
        }

        public List<Validator> parts() {
            return parts;
        }

        @Override
        public Optional<String> check(Object value) {
            for (Validator v : parts) {
                Optional<String> problem = v.check(value);
                if (problem.isPresent()) {
                    return problem;
                }
            }
            return Optional.empty();
        }

        @Override
        public String describe() {
            return String.join(", ", parts.stream().map(Validator::describe).toList());
        }
    }

    /**
     * From {@code min} to {@code max} (both included; no upper bound when {@code max} is null), and zero as
     * well after {@link #orZero()}.
     */
    final class Range<T extends Comparable<T>> implements Validator {
        private final Class<T> type;
        private final T min;
        private final T max;
        private final Function<T, String> show;
        private final boolean zeroAllowed;

        private Range(Class<T> type, T min, T max, Function<T, String> show) {
            this(type, min, max, show, false);
        }

        private Range(Class<T> type, T min, T max, Function<T, String> show, boolean zeroAllowed) {
            this.type = type;
            this.min = min;
            this.max = max;
            this.show = show;
            this.zeroAllowed = zeroAllowed;
        }

        /** Zero too, which commonly turns the setting off; only for durations. */
        public Range<T> orZero() {
            if (type != Duration.class) {
                throw new IllegalStateException("orZero is for durations");
            }
            return new Range<>(type, min, max, show, true);
        }

        public T min() {
            return min;
        }

        public Optional<T> max() {
            return Optional.ofNullable(max);
        }

        @Override
        public Optional<String> check(Object value) {
            T v = type.cast(value);
            if (zeroAllowed && ((Duration) value).isZero()) {
                return Optional.empty();
            }
            if (max == null) {
                return v.compareTo(min) < 0 ? Optional.of("must be at least " + show.apply(min)) : Optional.empty();
            }
            if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
                return Optional.of("must be " + (zeroAllowed ? "0 or " : "") + "between " + show.apply(min) + " and "
                        + show.apply(max));
            }
            return Optional.empty();
        }

        @Override
        public String describe() {
            String range = max == null ? "at least " + show.apply(min) : show.apply(min) + " to " + show.apply(max);
            return zeroAllowed ? "0 or " + range : range;
        }
    }
}
