package io.provisioner.dev.bench;

import io.provisioner.dev.DevEnvironment;
import io.provisioner.simulator.OpenRouterSimulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code provisioner bench}'s scenarios, one after the other, each on a pipeline of its own.
 *
 * <p>As deployed (the default): every component instance a {@code provisioner run --components ...} process
 * of its own, the OpenRouter double a {@code simulator --control} process, the servers those
 * {@code DATABASE_URL} and {@code KAFKA_BOOTSTRAP_SERVERS} name when both are set, else the embedded
 * PostgreSQL and Kafka in a {@code bench-servers} process. One JVM ({@code --one-jvm}): all of it in the
 * bench's JVM, for quick runs.
 */
public final class Bench {
    private final List<Figure> figures = new ArrayList<>();
    private final Map<String, String> about = new LinkedHashMap<>();

    private interface Scenario {
        List<Figure> run() throws Exception;
    }

    /** The scenarios' names, in the order they run: {@code provisioner bench --scenario NAME} runs only some. */
    public static final List<String> SCENARIOS = List.of(
            "rate-1x20",
            "rate-1x100",
            "rate-3x20",
            "rate-3x100",
            "latency",
            "adaptation",
            "capacity",
            "cdc",
            "memory",
            "startup");

    private static final Set<String> SERVER_SETTINGS =
            Set.of("DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS");

    /**
     * @param only names of {@link #SCENARIOS} to run; empty: all
     * @param oneJvm everything in this JVM rather than as deployed
     */
    public static Bench run(
            Map<String, String> userEnv, boolean quick, boolean oneJvm, List<String> only, PrintWriter progress)
            throws Exception {
        return oneJvm ? oneJvm(userEnv, quick, only, progress) : deployed(userEnv, quick, only, progress);
    }

    private static boolean external(Map<String, String> userEnv) {
        return userEnv.containsKey("DATABASE_URL") && userEnv.containsKey("KAFKA_BOOTSTRAP_SERVERS");
    }

    private static Bench oneJvm(Map<String, String> userEnv, boolean quick, List<String> only, PrintWriter progress)
            throws Exception {
        Bench bench = new Bench();
        boolean external = external(userEnv);
        Deployment deployment = new InProcessDeployment();
        try (DevEnvironment env = external ? null : DevEnvironment.start();
                SimulatorControl simulator = external
                        ? new InProcessSimulator(OpenRouterSimulator.start(), true)
                        : new InProcessSimulator(env.simulator(), false)) {
            Map<String, String> base = external ? new LinkedHashMap<>(userEnv) : env.settings(userEnv);
            bench.about.putAll(Machine.describe(
                    quick,
                    deployment.mode(),
                    external
                            ? "DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS"
                            : "embedded PostgreSQL, in-process Kafka (this JVM)",
                    simulator.describe(),
                    null));
            bench.runAll(base, userEnv, simulator, quick, deployment, only, progress);
        }
        return bench;
    }

    private static Bench deployed(Map<String, String> userEnv, boolean quick, List<String> only, PrintWriter progress)
            throws Exception {
        Bench bench = new Bench();
        Path devJar = devJar();
        Path provisionerJar = ProcessDeployment.provisionerJar(devJar);
        boolean external = external(userEnv);
        if (external) {
            ContractGroups.requireIdle(userEnv);
        }
        Path logs = Files.createTempDirectory("provisioner-bench-");
        Deployment deployment = new ProcessDeployment(provisionerJar, logs);
        Child servers = null;
        boolean ok = false;
        try (SimulatorControl simulator = RemoteSimulator.start(devJar, logs.resolve("simulator.log"))) {
            Map<String, String> base;
            String serversAbout;
            if (external) {
                base = new LinkedHashMap<>(userEnv);
                serversAbout = "DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS";
            } else {
                servers = Child.start(
                                "bench-servers",
                                List.of(),
                                devJar,
                                List.of("bench-servers"),
                                Map.of(),
                                logs.resolve("bench-servers.log"))
                        // after the components, and longer than bench-servers' own stop may wait (60 s for
                        // its start, then PostgreSQL's and Kafka's stops): not SIGKILLed with PostgreSQL up
                        .stopsLast(Duration.ofSeconds(90));
                List<String> lines = servers.awaitLine(BenchServersCommand.READY::equals, Duration.ofMinutes(3));
                base = DevEnvironment.demoDefaults();
                base.putAll(userEnv);
                base.putAll(ChildOutput.required("bench-servers", lines, SERVER_SETTINGS));
                serversAbout = "embedded PostgreSQL, one-node Kafka, a process of their own (bench-servers, pid "
                        + servers.pid() + ")";
            }
            bench.about.putAll(Machine.describe(
                    quick, deployment.mode(), serversAbout, simulator.describe(), ProcessDeployment.JVM_OPTIONS));
            bench.about.put("logs", logs + " (deleted after a run without failure)");
            bench.runAll(base, userEnv, simulator, quick, deployment, only, progress);
            ok = true;
        } finally {
            if (servers != null) {
                servers.close();
            }
            if (ok) {
                deleteTree(logs);
            }
        }
        return bench;
    }

    private void runAll(
            Map<String, String> settings,
            Map<String, String> userEnv,
            SimulatorControl simulator,
            boolean quick,
            Deployment deployment,
            List<String> only,
            PrintWriter progress)
            throws Exception {
        Map<String, String> base = new LinkedHashMap<>(settings);
        base.put("OPENROUTER_BASE_URL", simulator.baseUrl());
        base.put("OPENROUTER_PROVISIONING_KEY", simulator.managementKey());
        base.remove("OPENROUTER_PROVISIONING_KEY_FILE");
        base.remove("OPENROUTER_MANAGEMENT_KEY");
        base.putIfAbsent("PROVISIONER_ENCRYPTION_KEY", randomKey());
        base.put("PROVISIONER_HTTP_PORT", "0");
        // the contract's default, not the demo's 3 (which settings hold with the embedded servers): a bench
        // of what a deployment gets, unless the user exported another
        base.put("PROVISIONER_PARTITIONS", userEnv.getOrDefault("PROVISIONER_PARTITIONS", "6"));
        BenchContext ctx = new BenchContext(base, simulator, quick ? Sizes.quickRun() : Sizes.fullRun(), deployment);
        RateScenarios rate = new RateScenarios(ctx);
        FlowScenarios flow = new FlowScenarios(ctx);
        Map<String, Scenario> all = new LinkedHashMap<>();
        all.put("rate-1x20", () -> rate.rate(1, 20, ">= 0.98"));
        all.put("rate-1x100", () -> rate.rate(1, 100, ">= 0.95", true));
        all.put("rate-3x20", () -> rate.rate(3, 20, ">= 0.95"));
        all.put("rate-3x100", () -> rate.rate(3, 100, ""));
        all.put("latency", flow::latency);
        all.put("adaptation", rate::adaptation);
        all.put("capacity", rate::capacity);
        all.put("cdc", flow::cdc);
        all.put("memory", flow::memory);
        all.put("startup", flow::startup);
        for (Map.Entry<String, Scenario> e : all.entrySet()) {
            if (only.isEmpty() || only.contains(e.getKey())) {
                step(progress, ctx, e.getKey(), e.getValue());
            }
        }
    }

    private void step(PrintWriter progress, BenchContext ctx, String name, Scenario scenario) throws Exception {
        long t0 = System.nanoTime();
        progress.printf("  %-28s ", name);
        progress.flush();
        try {
            figures.addAll(scenario.run());
        } catch (Exception | Error e) {
            progress.printf("failed after %.0f s: %s%n", (System.nanoTime() - t0) / 1e9, e.getMessage());
            progress.print(ctx.latestLogs(30));
            progress.flush();
            throw e;
        }
        progress.printf("%.0f s%n", (System.nanoTime() - t0) / 1e9);
        progress.flush();
    }

    /** The jar this class runs from: provisioner-dev.jar, which the bench's processes run too. */
    static Path devJar() {
        Path jar;
        try {
            jar = Path.of(Bench.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot tell which jar the bench runs from: " + e, e);
        }
        if (!Files.isRegularFile(jar) || !jar.getFileName().toString().endsWith(".jar")) {
            throw new IllegalStateException("bench as deployed starts its processes from provisioner-dev.jar, but"
                    + " runs from " + jar + "; build it with"
                    + " ./mvnw -B -DskipTests -pl provisioner-dev,provisioner-cli -am package and run"
                    + " ./provisioner bench, or run bench --one-jvm");
        }
        return jar;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    public String markdown() {
        return Report.markdown(figures);
    }

    public Map<String, String> about() {
        return about;
    }

    public void writeJson(Path file) throws java.io.IOException {
        Report.writeJson(file, figures, about);
    }
}
