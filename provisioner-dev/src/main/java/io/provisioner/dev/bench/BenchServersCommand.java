package io.provisioner.dev.bench;

import io.provisioner.cli.CliExtension;
import io.provisioner.cli.ProvisionerCli;
import io.provisioner.dev.DevCommand;
import io.provisioner.dev.DevEnvironment;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner bench-servers} (hidden): the demo's embedded PostgreSQL and one-node Kafka in a process
 * of their own, for {@code provisioner bench} as deployed. Prints their settings as {@code KEY=VALUE} lines,
 * then {@value #READY}, and runs until its standard input ends (the bench closed it, or died) or SIGTERM.
 */
@Command(
        name = "bench-servers",
        hidden = true,
        mixinStandardHelpOptions = true,
        description = "The benchmark's servers (embedded PostgreSQL, one-node Kafka) until stdin ends or SIGTERM.")
public final class BenchServersCommand implements CliExtension {
    /** The line that follows the settings. */
    static final String READY = "bench-servers ready";

    @Spec
    CommandSpec spec;

    /** The settings a pipeline needs to reach {@code env}'s servers. */
    static Map<String, String> settings(DevEnvironment env) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("DATABASE_URL", env.jdbcUrl());
        out.put("DATABASE_USER", "postgres");
        out.put("DATABASE_PASSWORD", "postgres");
        out.put("KAFKA_BOOTSTRAP_SERVERS", env.bootstrapServers());
        return out;
    }

    @Override
    public Integer call() throws Exception {
        DevCommand.quietLogs(ProvisionerCli.environment(spec));
        DevEnvironment env = DevEnvironment.startServers();
        AtomicBoolean closed = new AtomicBoolean();
        Runnable stop = () -> {
            if (closed.compareAndSet(false, true)) {
                try {
                    env.close();
                } catch (Exception e) {
                    System.err.println("bench-servers: stopping: " + e);
                }
            }
        };
        Thread hook = new Thread(stop, "bench-servers-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter out = spec.commandLine().getOut();
        settings(env).forEach((k, v) -> out.println(k + "=" + v));
        out.println(READY);
        out.flush();
        while (System.in.read() >= 0) {
            // until EOF: the bench closed our stdin, or is gone
        }
        stop.run();
        return ProvisionerCli.OK;
    }
}
