package io.provisioner.dev.bench;

import io.provisioner.cli.CliExtension;
import io.provisioner.cli.ProvisionerCli;
import io.provisioner.dev.DevCommand;
import io.provisioner.dev.DevEnvironment;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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

    private final Object lock = new Object();
    private DevEnvironment env;
    private boolean starting = true;
    private boolean closed;

    /**
     * Stops the servers once. A second caller (stdin's EOF and SIGTERM's hook both come when the bench stops
     * us) waits until they are stopped, and SIGTERM while they start waits for the start (at most a minute):
     * the JVM never exits with PostgreSQL still running.
     */
    private void stop() {
        synchronized (lock) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (starting && System.nanoTime() < deadline) {
                try {
                    lock.wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (closed || env == null) {
                return;
            }
            closed = true;
            try {
                env.close();
            } catch (Exception e) {
                System.err.println("bench-servers: stopping: " + e);
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        DevCommand.quietLogs(ProvisionerCli.environment(spec));
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "bench-servers-stop"));
        try {
            env = startServers();
        } finally {
            synchronized (lock) {
                starting = false;
                lock.notifyAll();
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        settings(env).forEach((k, v) -> out.println(k + "=" + v));
        out.println(READY);
        out.flush();
        while (System.in.read() >= 0) {
            // until EOF: the bench closed our stdin, or is gone
        }
        stop();
        return ProvisionerCli.OK;
    }

    private DevEnvironment startServers() throws Exception {
        DevEnvironment started = DevEnvironment.startServers();
        synchronized (lock) {
            env = started;
            return started;
        }
    }
}
