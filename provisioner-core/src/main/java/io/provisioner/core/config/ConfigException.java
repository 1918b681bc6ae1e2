package io.provisioner.core.config;

/**
 * A setting (or a command-line option) is missing or invalid. The message names it and never contains a
 * secret value.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String setting;

    public ConfigException(String setting, String problem) {
        super(setting + " " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
