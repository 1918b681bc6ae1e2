package io.provisioner.core.config;

import java.util.List;

/**
 * One setting, declared once: its environment name, type, default and one-line meaning. A file given
 * with {@code --config} may use the dotted form ({@code or.delay.ms} for {@code OR_DELAY_MS}).
 *
 * @param defaultValue the default as text, or null when there is none
 * @param secret never printed; may be read from the file named by {@code <env>_FILE}
 */
public record Setting(String env, String type, String defaultValue, String doc, boolean secret, List<String> aliases) {

    public static Setting of(String env, String type, String defaultValue, String doc) {
        return new Setting(env, type, defaultValue, doc, false, List.of());
    }

    public static Setting secret(String env, String doc, String... aliases) {
        return new Setting(env, "secret", null, doc, true, List.of(aliases));
    }

    /** {@code OR_DELAY_MS} -> {@code or.delay.ms}. */
    public String dotted() {
        return env.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }
}
