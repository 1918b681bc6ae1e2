package io.provisioner.cli;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner config}: every setting with its value (secrets masked), default and meaning, and the rule
 * its declaration enforces (type and accepted values).
 */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Print every setting with its value (secrets masked), default, meaning and accepted values.")
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ConfigSource source = options.source();
        ProvisionerConfig.from(source); // invalid values stop here with exit code 2
        List<ProvisionerConfig.Described> rows = ProvisionerConfig.describe(source);
        PrintWriter out = spec.commandLine().getOut();
        int w0 = 0;
        int w1 = 0;
        for (ProvisionerConfig.Described r : rows) {
            w0 = Math.max(w0, r.name().length());
            w1 = Math.max(w1, Math.min(40, r.shown().length()));
        }
        String fmt = "%-" + w0 + "s  %-" + w1 + "s  %s%n";
        out.printf(fmt, "SETTING", "VALUE", "MEANING");
        for (ProvisionerConfig.Described r : rows) {
            out.printf(
                    fmt,
                    r.name(),
                    r.shown(),
                    r.meaning()
                            + (r.rule().isEmpty() ? "" : " (" + r.rule() + ")")
                            + (r.defaultValue().isEmpty() ? "" : " [default " + r.defaultValue() + "]"));
        }
        out.flush();
        return ProvisionerCli.OK;
    }
}
