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

    /** Scenario and figure of every row, in the table's words. */
    private static final List<String[]> ROWS = List.of(
            row("1 instance, 20/s", "rate efficiency: achieved / allowed"),
            row("1 instance, 20/s", "busiest 1-s window"),
            row("1 instance, 100/s", "rate efficiency: achieved / allowed"),
            row("1 instance, 100/s", "busiest 1-s window"),
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
            row("memory, 200 requests waiting, 20/s", "heap after GC, whole JVM"),
            row("memory, 200 requests waiting, 20/s", "heap growth since the pipeline started"),
            row("memory, 200 requests waiting, 20/s", "resident set, whole JVM"));

    private static String[] row(String scenario, String metric) {
        return new String[] {scenario, metric};
    }

    @Test
    void quickBenchPrintsAndWritesEveryScenarioWithNumbers() throws Exception {
        Path json = Files.createTempFile("bench", ".json");
        String out =
                DevJarRun.runAndExpectSuccess(Duration.ofMinutes(8), "bench", "--quick", "--json", json.toString());
        assertThat(out).contains("| scenario | figure | measured | seed (edge function) | measured / seed | target |");
        String number = "-?[0-9][0-9.e+-]*";
        for (String[] r : ROWS) {
            assertThat(out)
                    .as("table row %s / %s; output:%n%s", r[0], r[1], out)
                    .containsPattern("\\| " + Pattern.quote(r[0]) + " \\| " + Pattern.quote(r[1]) + "[^|]* \\| "
                            + number + " \\|");
        }
        JsonNode figures = new ObjectMapper().readTree(json.toFile()).get("figures");
        List<String> inJson = new ArrayList<>();
        for (JsonNode f : figures) {
            assertThat(f.get("value").isNumber()).as("value of %s", f).isTrue();
            inJson.add(f.get("scenario").asText() + " / " + f.get("metric").asText());
        }
        assertThat(inJson)
                .containsExactlyElementsOf(
                        ROWS.stream().map(r -> r[0] + " / " + r[1]).toList());
        Files.deleteIfExists(json);
    }

    @Test
    void anUnknownScenarioIsRefusedBeforeAnythingStartsAndTheScenariosAreNamed() throws Exception {
        DevJarRun.Result r = DevJarRun.run(Duration.ofMinutes(2), "bench", "--scenario", "rate-1x20,rate-2x20");

        assertThat(r.exit()).as(r.out()).isEqualTo(ProvisionerCli.USAGE);
        assertThat(r.out()).contains("unknown scenario 'rate-2x20'", "rate-1x20, rate-1x100", "capacity", "memory");
        assertThat(r.out()).doesNotContain("benchmark; scenarios:");
    }
}
