package io.provisioner.dev;

import io.provisioner.cli.CliExtension;
import io.provisioner.cli.ProgressDisplay;
import io.provisioner.cli.ProvisionerCli;
import io.provisioner.cli.UsageException;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.Durations;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Service;
import io.provisioner.simulator.SimKey;
import java.io.PrintWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner dev}: the whole pipeline with nothing installed but a JDK. Seeds half the owners
 * before the pipeline starts (provisioned through the CDC snapshot) and half after (through the WAL
 * stream), shows progress and prints a summary. Lives in {@code provisioner-dev}, not in the runtime jar;
 * found as a {@link CliExtension}. Runs the same {@link Service} as {@code provisioner run}.
 */
@Command(
        name = "dev",
        mixinStandardHelpOptions = true,
        description =
                "Zero set-up demo: embedded PostgreSQL, in-process Kafka, OpenRouter simulator; seeds owners and provisions them.")
public final class DevCommand implements CliExtension {

    @Option(
            names = "--owners",
            defaultValue = "20",
            description = "organizations and teachers to seed (default ${DEFAULT-VALUE})")
    int owners;

    @Option(names = "--exit-when-done", description = "exit 0 once every owner has a key")
    boolean exitWhenDone;

    @Option(
            names = "--timeout",
            defaultValue = "10m",
            description = "with --exit-when-done: give up (exit 1) after this long (default ${DEFAULT-VALUE})")
    String timeout;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (owners < 1) {
            throw new UsageException("--owners must be at least 1");
        }
        Duration limit = timeout();
        Map<String, String> environment = ProvisionerCli.environment(spec);
        quietLogs(environment);
        PrintWriter out = spec.commandLine().getOut();
        out.println("starting embedded PostgreSQL, Kafka and the OpenRouter simulator...");
        out.flush();
        long t0 = System.nanoTime();
        try (DevEnvironment env = DevEnvironment.start()) {
            ProvisionerConfig config =
                    ProvisionerConfig.from(ConfigSource.load(env.settings(environment), Optional.empty()));
            DemoSeeder seeder = new DemoSeeder();
            int before = owners / 2;
            try (Connection c = env.connect()) {
                seeder.seed(c, before);
            }
            try (Service service = Service.start(config, EnumSet.allOf(Components.class))) {
                long started = System.nanoTime();
                out.printf("ready in %.1f s%n", (started - t0) / 1e9);
                where(out, env, config, service.opsPort());
                out.printf("seeded %d owners before start, seeding %d more now%n", before, owners - before);
                out.flush();
                try (Connection c = env.connect()) {
                    seeder.seed(c, owners - before);
                    return watch(c, env, out, started, limit);
                }
            }
        }
    }

    /** {@code --timeout}, read as every duration is. */
    Duration timeout() {
        return Durations.positive("--timeout", timeout);
    }

    /** The demo prints its own progress; the components' INFO lines and the embedded broker's chatter would bury it. */
    public static void quietLogs(Map<String, String> environment) {
        if (environment.containsKey("PROVISIONER_LOG_LEVEL")) {
            return;
        }
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger("io.provisioner").setLevel(ch.qos.logback.classic.Level.WARN);
            ctx.getLogger("org.apache.kafka").setLevel(ch.qos.logback.classic.Level.ERROR);
            ctx.getLogger("kafka").setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    /**
     * Where the demo's servers are, and the one line that points the other commands at them: without it a
     * newcomer told to "insert rows" has no database to insert them into.
     */
    static void where(PrintWriter out, DevEnvironment env, ProvisionerConfig config, int opsPort) {
        String db = env.databaseUrl();
        out.printf("  PostgreSQL  %s%n", db);
        out.printf("              psql '%s'%n", db);
        out.printf("              insert into organizations (id, name) values (gen_random_uuid(), 'Acme');"
                + " select owner_type, owner_id, key_label, created_at from ai_provider_keys;%n");
        out.printf(
                "  Kafka       %s (topics %s.*)%n",
                env.bootstrapServers(), config.topics().prefix());
        out.printf(
                "  OpenRouter  %s (simulator, management key %s)%n",
                env.simulator().baseUrl(), env.simulator().managementKey());
        out.printf(
                "  metrics     http://%s:%d/metrics and /health%n",
                config.http().bind(), opsPort);
        out.println("  the other commands, in a second terminal, against this demo:");
        out.printf(
                "    export DATABASE_URL='%s' KAFKA_BOOTSTRAP_SERVERS=%s OPENROUTER_BASE_URL=%s"
                        + " OPENROUTER_PROVISIONING_KEY=%s PROVISIONER_PARTITIONS=%d%n",
                db,
                env.bootstrapServers(),
                env.simulator().baseUrl(),
                env.simulator().managementKey(),
                config.kafka().partitions());
        out.println("    ./provisioner status; ./provisioner lag; ./provisioner reconcile");
    }

    private int watch(Connection c, DevEnvironment env, PrintWriter out, long started, Duration limit)
            throws Exception {
        ProgressDisplay progress = ProgressDisplay.open(out, "keys stored", 0);
        while (true) {
            Progress p = Progress.read(c, "public");
            double secs = (System.nanoTime() - started) / 1e9;
            progress.update(p.activeKeys(), p.owners(), "retrying " + p.retrying() + ", dead " + p.dead());
            if (p.done()) {
                progress.close();
                summary(out, env, p, secs);
                if (exitWhenDone) {
                    return ProvisionerCli.OK;
                }
                out.println(
                        "every owner has its key; still running: insert rows (psql above) to see more, Ctrl-C to stop");
                out.flush();
                exitWhenDone = true; // print the summary once
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                }
            }
            if (exitWhenDone && secs > limit.toSeconds()) {
                out.printf("gave up after %s: %d of %d owners have a key%n", limit, p.activeKeys(), p.owners());
                return ProvisionerCli.FAILURE;
            }
            Thread.sleep(500);
        }
    }

    private static void summary(PrintWriter out, DevEnvironment env, Progress p, double secs) {
        Map<String, Long> perName =
                env.simulator().liveKeys().stream().collect(Collectors.groupingBy(SimKey::name, Collectors.counting()));
        long duplicates = perName.values().stream().filter(n -> n > 1).count();
        out.println();
        out.println("summary");
        out.printf("  owners              %d%n", p.owners());
        out.printf("  keys stored         %d (encrypted, AES-256-GCM)%n", p.activeKeys());
        out.printf("  keys on OpenRouter  %d (simulator), owners with more than one: %d%n", perName.size(), duplicates);
        out.printf("  create calls        %d%n", env.simulator().count("POST", "/api/v1/keys"));
        out.printf("  time                %.1f s (%.1f keys/s)%n", secs, p.activeKeys() / Math.max(secs, 0.001));
        out.flush();
    }
}
