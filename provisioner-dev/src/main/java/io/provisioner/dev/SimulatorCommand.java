package io.provisioner.dev;

import io.provisioner.cli.CliExtension;
import io.provisioner.cli.ProvisionerCli;
import io.provisioner.simulator.OpenRouterSimulator;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner simulator}: the OpenRouter simulator alone. In {@code provisioner-dev.jar}, not in the runtime
 * jar; found as a {@link CliExtension}.
 */
@Command(
        name = "simulator",
        mixinStandardHelpOptions = true,
        description = "Run the OpenRouter key-management simulator alone.")
public final class SimulatorCommand implements CliExtension {

    @Option(
            names = "--port",
            defaultValue = "8090",
            description = "port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address (default ${DEFAULT-VALUE})")
    String bind;

    @Option(
            names = "--management-key",
            defaultValue = OpenRouterSimulator.DEFAULT_MANAGEMENT_KEY,
            description = "the bearer token it accepts (default ${DEFAULT-VALUE})")
    String key;

    @Option(
            names = "--control",
            description = "also serve the control API under /_control (reset, latency, allow-rate, calls), for"
                    + " a benchmark in another process; off by default")
    boolean control;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        try (OpenRouterSimulator sim = OpenRouterSimulator.start(bind, port, key)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "simulator-stop"));
            java.io.PrintWriter out = spec.commandLine().getOut();
            if (control) {
                sim.enableControlApi();
            }
            // the actual port, also with --port 0: a benchmark reads the OPENROUTER_BASE_URL line
            out.printf(
                    "OpenRouter simulator on %s%n  OPENROUTER_BASE_URL=%s%n  OPENROUTER_PROVISIONING_KEY=<the --management-key>%n",
                    sim.baseUrl(), sim.baseUrl());
            if (control) {
                out.printf("  control API: %s%n", sim.controlUrl());
            }
            out.flush();
            stop.await();
        }
        return ProvisionerCli.OK;
    }
}
