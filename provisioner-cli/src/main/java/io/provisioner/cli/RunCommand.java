package io.provisioner.cli;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Service;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code provisioner run}: the pipeline against external Kafka, Postgres and OpenRouter, until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the pipeline components until SIGTERM.")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--components",
            paramLabel = "LIST",
            description = "comma-separated: cdc, provisioner, retry, sweep (default: all four; all but cdc when"
                    + " CDC_CONNECT_URL is set)")
    String components;

    @Override
    public Integer call() throws Exception {
        ProvisionerConfig config = options.load();
        Set<Components> chosen;
        try {
            chosen = components == null
                    ? Components.defaults(config.cdc().connectUrl().isPresent())
                    : Components.parse(components);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Service.start(config, chosen).awaitStop();
        return ProvisionerCli.OK;
    }
}
