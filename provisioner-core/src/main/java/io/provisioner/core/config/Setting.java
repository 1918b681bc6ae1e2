package io.provisioner.core.config;

import io.provisioner.core.secret.Secret;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One setting, declared once in the manner of Kafka's {@code ConfigDef.define()}: its environment name, type,
 * default, validator, importance and meaning. {@link #parse} reads a value through the declaration (type,
 * then validator) and {@link #rule} says in words what the declaration accepts, so that what is enforced and
 * what {@code provisioner config} prints cannot drift apart. A file given with {@code --config} may use the
 * dotted form of the name ({@code or.delay.ms} for {@code OR_DELAY_MS}).
 *
 * @param defaultValue the default as text, or null when there is none
 * @param validator what values of the type are acceptable; null when any is
 * @param none a text taken as it is, for "none" (such as {@code -1}, keep forever), instead of a value of the
 *     type; null when there is no such text
 * @param aliases other names the setting is read under
 */
public record Setting(
        String env,
        Type type,
        String defaultValue,
        Validator validator,
        Importance importance,
        String doc,
        String none,
        List<String> aliases) {

    /** What a value is read as. Kafka's {@code ConfigDef.Type} has no duration; ours has. */
    public enum Type {
        /** Any text. */
        STRING("string"),
        /** A whole number that fits an {@code int}. */
        INT("int"),
        /** A {@link BigDecimal}; {@code NaN} and {@code Infinity} are not decimals. */
        DECIMAL("decimal"),
        /** A {@link java.time.Duration}, read by {@link Durations#parse}. */
        DURATION("duration"),
        /** A URL as text; its validator says which. */
        URL("url"),
        /** A {@link Secret}: never printed, and may be read from the file named by {@code <env>_FILE}. */
        SECRET("secret"),
        /** One of the validator's choices, in any case; read as lower-case text. */
        CHOICE("one of"),
        /** Comma-separated text, as a list of its non-blank items. */
        LIST("list"),
        /** A file system {@link Path}. */
        PATH("path");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        /** How {@link Setting#rule} names the type. */
        public String label() {
            return label;
        }

        /** @throws ConfigException naming {@code name} when {@code text} is not of this type */
        Object read(String name, String text) {
            switch (this) {
                case INT:
                    long n;
                    try {
                        n = Long.parseLong(text);
                    } catch (NumberFormatException e) {
                        throw new ConfigException(name, "must be a whole number, was '" + text + "'");
                    }
                    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
                        throw new ConfigException(
                                name,
                                (n < 0
                                                ? "must be at least " + Integer.MIN_VALUE
                                                : "must be at most " + Integer.MAX_VALUE)
                                        + ", was '" + text + "'");
                    }
                    return (int) n;
                case DECIMAL:
                    try {
                        return new BigDecimal(text);
                    } catch (NumberFormatException e) {
                        throw new ConfigException(name, "must be a decimal number, was '" + text + "'");
                    }
                case DURATION:
                    return Durations.parse(name, text);
                case SECRET:
                    return new Secret(text);
                case CHOICE:
                    return text.toLowerCase(Locale.ROOT);
                case LIST:
                    return Arrays.stream(text.split(","))
                            .map(String::trim)
                            .filter(s -> !s.isEmpty())
                            .toList();
                case PATH:
                    try {
                        return Path.of(text);
                    } catch (InvalidPathException e) {
                        throw new ConfigException(name, "is not a valid path, was '" + text + "'");
                    }
                default:
                    return text;
            }
        }
    }

    /** How much an operator needs to look at the setting, as in Kafka's {@code ConfigDef.Importance}. */
    public enum Importance {
        HIGH,
        MEDIUM,
        LOW
    }

    public Setting {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(importance, "importance");
        Objects.requireNonNull(doc, "doc");
        aliases = List.copyOf(aliases);
        if (type == Type.CHOICE && validator == null) {
            throw new IllegalArgumentException(env + ": a choice needs its choices (Validator.oneOf)");
        }
    }

    /** A setting whose values are checked by {@code validator}. */
    public static Setting define(
            String env, Type type, String defaultValue, Validator validator, Importance importance, String doc) {
        return new Setting(env, type, defaultValue, validator, importance, doc, null, List.of());
    }

    /** A setting that takes any value of its type. */
    public static Setting define(String env, Type type, String defaultValue, Importance importance, String doc) {
        return define(env, type, defaultValue, null, importance, doc);
    }

    /** The same setting, also read under {@code names}. */
    public Setting withAliases(String... names) {
        return new Setting(env, type, defaultValue, validator, importance, doc, none, List.of(names));
    }

    /** The same setting, taking {@code text} as it is to mean "none" (see {@link #none}). */
    public Setting orNone(String text) {
        return new Setting(env, type, defaultValue, validator, importance, doc, text, aliases);
    }

    public boolean secret() {
        return type == Type.SECRET;
    }

    /** True for the text that stands for "none". */
    public boolean isNone(String text) {
        return none != null && none.equals(text.trim());
    }

    /**
     * Reads one value through the declaration: as its type, then past its validator. The text that stands for
     * "none" is not a value; see {@link #isNone}.
     *
     * @throws ConfigException naming the setting and quoting the value (a secret is never quoted)
     */
    public Object parse(String text) {
        String v = text.trim();
        Object value = type.read(env, v);
        if (validator != null) {
            Optional<String> problem = validator.check(value);
            if (problem.isPresent()) {
                throw new ConfigException(env, problem.get() + (secret() ? "" : ", was '" + printable(shown(v)) + "'"));
            }
        }
        return value;
    }

    /** What {@code provisioner config} prints after the meaning: the type and what the validator accepts. */
    public String rule() {
        String accepted = validator == null ? "" : validator.describe();
        if (none != null) {
            accepted = accepted.isEmpty() ? none : none + " or " + accepted;
        }
        if (accepted.isEmpty()) {
            return type.label();
        }
        return type == Type.CHOICE ? type.label() + " " + accepted : type.label() + ", " + accepted;
    }

    /**
     * The value as it may be shown: a secret masked, the password of a URL masked, anything else as it is.
     */
    public String shown(String value) {
        if (secret()) {
            return new Secret(value).masked();
        }
        if (type == Type.URL) {
            return value.replaceAll("://([^:/@]*):[^@]*@", "://$1:******@")
                    .replaceAll("(?i)(password=)[^&]*", "$1******");
        }
        return value;
    }

    /** {@code OR_DELAY_MS} -> {@code or.delay.ms}. */
    public String dotted() {
        return env.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Control characters escaped, so that a message cannot break or forge a line. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.chars().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                b.append((char) c);
            }
        });
        return b.toString();
    }
}
