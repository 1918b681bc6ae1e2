package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.provisioner.cli.ProvisionerCli;
import io.provisioner.dev.DevJarRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code provisioner bench --quick}, run as a user runs it (the dev jar in a process of its own), so that
 * the benchmark never rots: every scenario's rows are in the table and in the JSON, each with a number.
 * No figure is judged (timing belongs to full runs on a quiet machine, not to tests).
 */
class BenchCommandIT {

    private static final String NUMBER = "-?[0-9][0-9.e+-]*";
    private static final String NONE = "—";
    private static final String RATE_1X100 = "1 instance, 100/s";
    private static final String MEMORY = "memory, 200 requests waiting, 20/s";
    private static final String STARTUP = "startup, as deployed: from spawning the process";

    /** Scenario and figure of every row as deployed (the default), in the table's words. */
    private static final List<String[]> DEPLOYED_ROWS = List.of(
            row("1 instance, 20/s", "rate efficiency: achieved / allowed"),
            row("1 instance, 20/s", "busiest 1-s window"),
            row(RATE_1X100, "rate efficiency: achieved / allowed"),
            row(RATE_1X100, "busiest 1-s window"),
            row(RATE_1X100, "resident set, cdc,retry process, idle"),
            row(RATE_1X100, "resident set, provisioner process, idle"),
            row(RATE_1X100, "resident set, cdc,retry process, at 100/s (largest 1-s sample)"),
            row(RATE_1X100, "resident set, provisioner process, at 100/s (largest 1-s sample)"),
            row("3 instances, 20/s", "rate efficiency: achieved / allowed"),
            row("3 instances, 20/s", "busiest 1-s window"),
            row("3 instances, 100/s", "rate efficiency: achieved / allowed"),
            row("3 instances, 100/s", "busiest 1-s window"),
            row("latency, row commit to stored key, 5 owners/s", "p50"),
            row("latency, row commit to stored key, 5 owners/s", "p95"),
            row("latency, row commit to stored key, 5 owners/s", "p99"),
            row("latency, row commit to stored key, 5 owners/s", "max"),
            row("429 adaptation: 20/s configured, server allows 10/s", "achieved / 10/s"),
            row("429 adaptation: 20/s configured, server allows 10/s", "calls answered 429"),
            row("429 adaptation: 20/s configured, server allows 10/s", "dead letters"),
            row("capacity: rate limit off, simulator latency 0, 1 instance", "provisions per second"),
            row("capacity: rate limit off, simulator latency 0, 1 instance", "provisions per second, local limiter"),
            row("cdc-bridge alone, INSERT to requests topic", "rows per second"),
            row(MEMORY, "resident set, cdc,retry process"),
            row(MEMORY, "resident set, provisioner process"),
            row(STARTUP, "cdc,retry process: to /health 200"),
            row(STARTUP, "provisioner process: to /health 200"),
            row(STARTUP, "provisioner process: to the key of an owner inserted just before"));

    /**
     * The rows of the one-JVM run's scenarios (a few, to keep the build short): what as deployed measures per
     * process has no figure there ({@code —}); the memory scenario measures the bench's JVM.
     */
    private static final List<String[]> ONE_JVM_ROWS = List.of(
            row(RATE_1X100, "rate efficiency: achieved / allowed"),
            row(RATE_1X100, "busiest 1-s window"),
            row(RATE_1X100, "resident set, cdc,retry process, idle", NONE),
            row(RATE_1X100, "resident set, provisioner process, idle", NONE),
            row(RATE_1X100, "resident set, cdc,retry process, at 100/s (largest 1-s sample)", NONE),
            row(RATE_1X100, "resident set, provisioner process, at 100/s (largest 1-s sample)", NONE),
            row("429 adaptation: 20/s configured, server allows 10/s", "achieved / 10/s"),
            row("429 adaptation: 20/s configured, server allows 10/s", "calls answered 429"),
            row("429 adaptation: 20/s configured, server allows 10/s", "dead letters"),
            row(MEMORY, "heap after GC, whole JVM"),
            row(MEMORY, "heap growth since the pipeline started"),
            row(MEMORY, "resident set, whole JVM"),
            row(STARTUP, "cdc,retry process: to /health 200", NONE),
            row(STARTUP, "provisioner process: to /health 200", NONE),
            row(STARTUP, "provisioner process: to the key of an owner inserted just before", NONE));

    private static String[] row(String scenario, String metric) {
        return new String[] {scenario, metric, NUMBER};
    }

    private static String[] row(String scenario, String metric, String value) {
        return new String[] {scenario, metric, value};
    }

    @Test
    void quickBenchAsDeployedPrintsAndWritesEveryScenarioWithNumbers() throws Exception {
        Path json = Files.createTempFile("bench", ".json");
        long t0 = System.nanoTime();
        String out =
                DevJarRun.runAndExpectSuccess(Duration.ofMinutes(12), "bench", "--quick", "--json", json.toString());
        System.out.printf("bench --quick (as deployed): %.0f s%n", (System.nanoTime() - t0) / 1e9);

        assertThat(out).contains("quick benchmark, as deployed (separate processes); scenarios:");
        assertThat(out).contains("mode: as deployed (separate processes)", "component JVM options: -XX:MaxRAM=512m");
        assertRows(out, json, DEPLOYED_ROWS, "as deployed (separate processes)");
    }

    @Test
    void quickBenchInOneJvmRunsSomeScenariosWithTheirRows() throws Exception {
        Path json = Files.createTempFile("bench", ".json");
        long t0 = System.nanoTime();
        String out = DevJarRun.runAndExpectSuccess(
                Duration.ofMinutes(8),
                "bench",
                "--one-jvm",
                "--quick",
                "--scenario",
                "rate-1x100,adaptation,memory,startup",
                "--json",
                json.toString());
        System.out.printf("bench --one-jvm --quick (4 scenarios): %.0f s%n", (System.nanoTime() - t0) / 1e9);

        assertThat(out).contains("quick benchmark, one JVM (quick runs; everything in the bench JVM); scenarios:");
        assertThat(out).doesNotContain("component JVM options");
        assertRows(out, json, ONE_JVM_ROWS, "one JVM (quick runs; everything in the bench JVM)");
    }

    private static void assertRows(String out, Path json, List<String[]> rows, String mode) throws Exception {
        assertThat(out).contains("| scenario | figure | measured | seed (edge function) | measured / seed | target |");
        for (String[] r : rows) {
            assertThat(out)
                    .as("table row %s / %s; output:%n%s", r[0], r[1], out)
                    .containsPattern("\\| " + Pattern.quote(r[0]) + " \\| " + Pattern.quote(r[1])
                            + "( \\([^|]*\\))? \\| " + r[2] + " \\|");
        }
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("about").get("mode").asText()).isEqualTo(mode);
        List<String> inJson = new ArrayList<>();
        for (JsonNode f : root.get("figures")) {
            boolean none = rows.stream()
                    .anyMatch(r -> (r[0] + " / " + r[1])
                                    .equals(f.get("scenario").asText() + " / "
                                            + f.get("metric").asText())
                            && r[2].equals(NONE));
            assertThat(none ? f.get("value").isNull() : f.get("value").isNumber())
                    .as("value of %s", f)
                    .isTrue();
            inJson.add(f.get("scenario").asText() + " / " + f.get("metric").asText());
        }
        assertThat(inJson)
                .containsExactlyElementsOf(
                        rows.stream().map(r -> r[0] + " / " + r[1]).toList());
        Files.deleteIfExists(json);
    }

    @Test
    void anUnknownScenarioIsRefusedBeforeAnythingStartsAndTheScenariosAreNamed() throws Exception {
        DevJarRun.Result r = DevJarRun.run(Duration.ofMinutes(2), "bench", "--scenario", "rate-1x20,rate-2x20");

        assertThat(r.exit()).as(r.out()).isEqualTo(ProvisionerCli.USAGE);
        assertThat(r.out()).contains("unknown scenario 'rate-2x20'", "rate-1x20, rate-1x100", "capacity", "memory");
        assertThat(r.out()).doesNotContain(" benchmark, ");
    }
}
