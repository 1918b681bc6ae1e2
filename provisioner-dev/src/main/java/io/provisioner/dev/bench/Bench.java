package io.provisioner.dev.bench;

import io.provisioner.dev.DevEnvironment;
import io.provisioner.simulator.OpenRouterSimulator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code provisioner bench}'s scenarios, one after the other, each on a pipeline of its own: on the
 * embedded servers of {@code provisioner dev}, or on the servers {@code DATABASE_URL} and {@code
 * KAFKA_BOOTSTRAP_SERVERS} name when both are set. The OpenRouter double is always the simulator.
 */
public final class Bench {
    private final List<Figure> figures = new ArrayList<>();
    private final Map<String, String> about = new LinkedHashMap<>();

    private interface Scenario {
        List<Figure> run() throws Exception;
    }

    /** The scenarios' names, in the order they run: {@code provisioner bench --scenario NAME} runs only some. */
    public static final List<String> SCENARIOS = List.of(
            "rate-1x20", "rate-1x100", "rate-3x20", "rate-3x100", "latency", "adaptation", "capacity", "cdc", "memory");

    /** @param only names of {@link #SCENARIOS} to run; empty: all */
    public static Bench run(Map<String, String> userEnv, boolean quick, List<String> only, PrintWriter progress)
            throws Exception {
        Bench bench = new Bench();
        boolean external = userEnv.containsKey("DATABASE_URL") && userEnv.containsKey("KAFKA_BOOTSTRAP_SERVERS");
        bench.about.putAll(Machine.describe(quick, external));
        try (DevEnvironment env = external ? null : DevEnvironment.start();
                OpenRouterSimulator sim = external ? OpenRouterSimulator.start() : null) {
            OpenRouterSimulator simulator = external ? sim : env.simulator();
            Map<String, String> base = external ? new LinkedHashMap<>(userEnv) : env.settings(userEnv);
            base.put("OPENROUTER_BASE_URL", simulator.baseUrl());
            base.put("OPENROUTER_PROVISIONING_KEY", simulator.managementKey());
            base.remove("OPENROUTER_PROVISIONING_KEY_FILE");
            base.putIfAbsent("PROVISIONER_ENCRYPTION_KEY", randomKey());
            base.put("PROVISIONER_HTTP_PORT", "0");
            // the contract's default, not the demo's 3: a bench of what a deployment gets
            base.put("PROVISIONER_PARTITIONS", userEnv.getOrDefault("PROVISIONER_PARTITIONS", "6"));
            BenchContext ctx = new BenchContext(base, simulator, quick ? Sizes.quickRun() : Sizes.fullRun());
            RateScenarios rate = new RateScenarios(ctx);
            FlowScenarios flow = new FlowScenarios(ctx);
            Map<String, Scenario> all = new LinkedHashMap<>();
            all.put("rate-1x20", () -> rate.rate(1, 20, ">= 0.98"));
            all.put("rate-1x100", () -> rate.rate(1, 100, ">= 0.95"));
            all.put("rate-3x20", () -> rate.rate(3, 20, ">= 0.95"));
            all.put("rate-3x100", () -> rate.rate(3, 100, ""));
            all.put("latency", flow::latency);
            all.put("adaptation", rate::adaptation);
            all.put("capacity", rate::capacity);
            all.put("cdc", flow::cdc);
            all.put("memory", flow::memory);
            for (Map.Entry<String, Scenario> e : all.entrySet()) {
                if (only.isEmpty() || only.contains(e.getKey())) {
                    bench.step(progress, e.getKey(), e.getValue());
                }
            }
        }
        return bench;
    }

    private void step(PrintWriter progress, String name, Scenario scenario) throws Exception {
        long t0 = System.nanoTime();
        progress.printf("  %-28s ", name);
        progress.flush();
        figures.addAll(scenario.run());
        progress.printf("%.0f s%n", (System.nanoTime() - t0) / 1e9);
        progress.flush();
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
