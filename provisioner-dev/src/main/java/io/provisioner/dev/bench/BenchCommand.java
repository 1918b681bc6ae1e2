package io.provisioner.dev.bench;

import io.provisioner.cli.CliExtension;
import io.provisioner.cli.ProvisionerCli;
import io.provisioner.dev.DevCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner bench}: its scenarios as deployed (each component a {@code provisioner run} process, the
 * OpenRouter simulator and the embedded servers processes of their own, or the servers the settings name),
 * or all in one JVM with {@code --one-jvm}; printed as a Markdown table beside the edge function's figures for
 * the same workload, and written as JSON with {@code --json}. Lives in {@code provisioner-dev}.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "The benchmark: rate efficiency, busiest second, latency, 429 adaptation, capacity, cdc rows/s,"
                    + " memory, startup, each beside the edge function's figure for the same workload.",
            "As deployed by default: a 'run --components cdc,retry' process and one 'run --components provisioner'"
                    + " process per instance (provisioner.jar, JVM options " + ProcessDeployment.JVM_OPTIONS
                    + "), the OpenRouter simulator"
                    + " a process of its own, and the servers DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS name when both"
                    + " are set, else an embedded PostgreSQL and Kafka in a process of their own.",
            "With the servers of those settings the components join the contract's consumer groups"
                    + " (provisioner-stream, retry-scheduler): the bench refuses while they have members;"
                    + " --one-jvm uses groups of its own."
        })
public final class BenchCommand implements CliExtension {

    @Option(
            names = "--quick",
            description = "tiny sizes, no targets: a smoke run of a few minutes (figures not meaningful)")
    boolean quick;

    @Option(
            names = "--one-jvm",
            description = "quick runs; everything in the bench JVM: servers, simulator and the pipeline instances"
                    + " (the first running every component); no startup or per-process figures")
    boolean oneJvm;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the figures to FILE as JSON")
    Path json;

    @Option(
            names = "--scenario",
            paramLabel = "NAME",
            split = ",",
            description = "run only these scenarios (repeatable, or comma-separated): ${COMPLETION-CANDIDATES}",
            completionCandidates = ScenarioNames.class)
    List<String> scenarios = new ArrayList<>();

    @Spec
    CommandSpec spec;

    /** The scenario names, for picocli's help and checking. */
    static final class ScenarioNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Bench.SCENARIOS.iterator();
        }
    }

    /**
     * The table is the output: the components' WARN lines (429s are the point of one scenario) and the
     * registries' notices would bury it. PROVISIONER_LOG_LEVEL keeps them.
     */
    private static void quietLogs(Map<String, String> environment) {
        DevCommand.quietLogs(environment);
        if (environment.containsKey("PROVISIONER_LOG_LEVEL")) {
            return;
        }
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger("io.provisioner").setLevel(ch.qos.logback.classic.Level.ERROR);
            ctx.getLogger("io.micrometer").setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    @Override
    public Integer call() throws Exception {
        for (String name : scenarios) {
            if (!Bench.SCENARIOS.contains(name)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "unknown scenario '" + name + "'; the scenarios are " + String.join(", ", Bench.SCENARIOS));
            }
        }
        Map<String, String> environment = ProvisionerCli.environment(spec);
        quietLogs(environment);
        PrintWriter out = spec.commandLine().getOut();
        String mode = oneJvm ? new InProcessDeployment().mode() : new ProcessDeployment(null, null).mode();
        out.println((quick ? "quick" : "full") + " benchmark, " + mode + "; scenarios:");
        out.flush();
        Bench bench = Bench.run(environment, quick, oneJvm, scenarios, out);
        out.println();
        bench.about().forEach((k, v) -> out.printf("%s: %s%n", k, v));
        out.println();
        out.print(bench.markdown());
        out.println();
        out.println("seed: the edge function's schedule simulated (a cron every minute takes 5 jobs, 1.1 s apart);"
                + " latency: database clock, owner row INSERT (autocommit) to key row INSERT; measured / seed");
        out.flush();
        if (json != null) {
            bench.writeJson(json);
            out.println("written " + json);
            out.flush();
        }
        return ProvisionerCli.OK;
    }
}
