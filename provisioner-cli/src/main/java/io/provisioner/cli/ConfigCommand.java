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

/** {@code provisioner config}: every setting with its value (secrets masked), default and meaning. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Print every setting with its value (secrets masked), default and meaning.")
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ConfigSource source = options.source();
        ProvisionerConfig.from(source); // invalid values stop here with exit code 2
        List<List<String>> rows = ProvisionerConfig.describe(source);
        PrintWriter out = spec.commandLine().getOut();
        int w0 = 0;
        int w1 = 0;
        for (List<String> r : rows) {
            w0 = Math.max(w0, r.get(0).length());
            w1 = Math.max(w1, Math.min(40, r.get(1).length()));
        }
        String fmt = "%-" + w0 + "s  %-" + w1 + "s  %s%n";
        out.printf(fmt, "SETTING", "VALUE", "MEANING");
        for (List<String> r : rows) {
            out.printf(fmt, r.get(0), r.get(1), r.get(3) + (r.get(2).isEmpty() ? "" : " [default " + r.get(2) + "]"));
        }
        out.flush();
        return ProvisionerCli.OK;
    }
}
