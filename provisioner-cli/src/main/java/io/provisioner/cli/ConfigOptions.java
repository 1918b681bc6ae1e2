package io.provisioner.cli;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --config FILE} option every command shares, and the environment it reads. */
public class ConfigOptions {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "properties file of settings (dotted keys, e.g. or.delay.ms=500); wins over the environment")
    Path file;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    public ConfigSource source() {
        return ConfigSource.load(ProvisionerCli.environment(command), Optional.ofNullable(file));
    }

    public ProvisionerConfig load() {
        ProvisionerConfig config = ProvisionerConfig.from(source());
        LogSetup.apply(config);
        return config;
    }
}
