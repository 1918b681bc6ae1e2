package io.provisioner.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The raw text of every setting, resolved from the environment and an optional properties file
 * ({@code --config FILE}, dotted or environment-style keys; the file wins over the environment).
 * Secrets may come from the file named by {@code <NAME>_FILE}. Unknown {@code OR_*}, {@code CDC_*} and
 * {@code PROVISIONER_*} names are rejected. Immutable.
 */
public final class ConfigSource {

    private static final String[] CHECKED_PREFIXES = {"OR_", "CDC_", "PROVISIONER_"};

    private final Map<String, String> values;
    private final Map<String, String> kafkaPassthrough;

    private ConfigSource(Map<String, String> values, Map<String, String> kafkaPassthrough) {
        this.values = values;
        this.kafkaPassthrough = kafkaPassthrough;
    }

    public static ConfigSource fromEnvironment() {
        return load(System.getenv(), Optional.empty());
    }

    /** @throws ConfigException naming the setting that is unknown or whose file cannot be read */
    public static ConfigSource load(Map<String, String> env, Optional<Path> file) {
        Map<String, String> merged = new TreeMap<>(env);
        if (file.isPresent()) {
            merged.putAll(readFile(file.get()));
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> kafka = new TreeMap<>();
        for (Map.Entry<String, String> e : merged.entrySet()) {
            String name = e.getKey();
            Setting s = lookup(name);
            if (s != null) {
                values.put(s.env(), e.getValue());
            } else if (name.endsWith("_FILE") && isSecretName(name.substring(0, name.length() - 5))) {
                Setting secret = lookup(name.substring(0, name.length() - 5));
                values.putIfAbsent(secret.env(), readSecretFile(name, e.getValue()));
            } else if (name.startsWith("KAFKA_")) {
                kafka.put(name.substring(6).toLowerCase(Locale.ROOT).replace('_', '.'), e.getValue());
            } else if (isChecked(name)) {
                throw new ConfigException(name, "is not a known setting (see 'provisioner config')");
            }
        }
        return new ConfigSource(Map.copyOf(values), Map.copyOf(kafka));
    }

    /** The raw value, or the setting's default, or empty. Blank counts as unset. */
    public Optional<String> get(Setting setting) {
        String v = values.get(setting.env());
        if (v == null || v.isBlank()) {
            return Optional.ofNullable(setting.defaultValue());
        }
        return Optional.of(v.trim());
    }

    /** True when the setting was given explicitly (not only defaulted). */
    public boolean isSet(Setting setting) {
        String v = values.get(setting.env());
        return v != null && !v.isBlank();
    }

    /** {@code KAFKA_*} variables other than the bootstrap servers, as client properties. */
    public Map<String, String> kafkaPassthrough() {
        return kafkaPassthrough;
    }

    private static Setting lookup(String name) {
        for (Setting s : Settings.ALL) {
            if (s.env().equals(name) || s.aliases().contains(name)) {
                return s;
            }
        }
        return null;
    }

    private static boolean isSecretName(String name) {
        Setting s = lookup(name);
        return s != null && s.secret();
    }

    private static boolean isChecked(String name) {
        for (String p : CHECKED_PREFIXES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            String env = key.contains(".") ? key.toUpperCase(Locale.ROOT).replace('.', '_') : key;
            out.put(env, p.getProperty(key));
        }
        return out;
    }

    private static String readSecretFile(String variable, String path) {
        try {
            return Files.readString(Path.of(path.trim()), StandardCharsets.UTF_8)
                    .strip();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(
                    variable,
                    "names a file that cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
