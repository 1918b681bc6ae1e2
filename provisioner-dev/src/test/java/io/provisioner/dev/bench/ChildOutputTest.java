package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.simulator.SimCall;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the bench reads from its children: settings lines, the control URL, resident sets, creates. */
class ChildOutputTest {

    @Test
    void readsTheServersSettingsAmongLogLinesAndTheSimulatorsIndentedBaseUrl() {
        List<String> lines = List.of(
                "03:40:01.123 INFO  o.a.k.Something - KAFKA_BOOTSTRAP_SERVERS is not a line of ours",
                "DATABASE_URL=jdbc:postgresql://localhost:5433/postgres?user=postgres&password=postgres",
                "DATABASE_USER=postgres",
                "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:40001",
                "OTHER=x",
                "bench-servers ready");

        assertThat(ChildOutput.settings(lines, Set.of("DATABASE_URL", "DATABASE_USER", "KAFKA_BOOTSTRAP_SERVERS")))
                .containsExactly(
                        Map.entry(
                                "DATABASE_URL",
                                "jdbc:postgresql://localhost:5433/postgres?user=postgres&password=postgres"),
                        Map.entry("DATABASE_USER", "postgres"),
                        Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:40001"));
        assertThat(ChildOutput.settings(
                        List.of(
                                "OpenRouter simulator on http://127.0.0.1:4711/api/v1",
                                "  OPENROUTER_BASE_URL=http://127.0.0.1:4711/api/v1 "),
                        Set.of("OPENROUTER_BASE_URL")))
                .containsEntry("OPENROUTER_BASE_URL", "http://127.0.0.1:4711/api/v1");
    }

    @Test
    void aMissingSettingIsNamed() {
        assertThatThrownBy(() -> ChildOutput.required(
                        "bench-servers", List.of("DATABASE_URL=x"), Set.of("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")))
                .hasMessage("bench-servers did not print KAFKA_BOOTSTRAP_SERVERS=...");
    }

    @Test
    void theControlApiSitsBesideTheKeyApi() {
        assertThat(RemoteSimulator.controlUrl("http://127.0.0.1:4711/api/v1"))
                .isEqualTo("http://127.0.0.1:4711/_control");
        assertThat(RemoteSimulator.controlUrl("http://[::1]:4711/api/v1")).isEqualTo("http://[::1]:4711/_control");
    }

    @Test
    void residentSetIsVmRssInBytes() {
        assertThat(Rss.parse(List.of("Name:\tjava", "VmHWM:\t  200 kB", "VmRSS:\t  123456 kB", "RssAnon:\t1 kB")))
                .contains(123456L * 1024);
        assertThat(Rss.parse(List.of("Name:\tjava"))).isEqualTo(Optional.empty());
    }

    @Test
    void createsAreThePostsToKeysByArrival() {
        Instant t0 = Instant.parse("2026-12-05T00:00:00Z");
        List<SimCall> calls = List.of(
                new SimCall("POST", "/api/v1/keys", 201, t0.plusMillis(30)),
                new SimCall("GET", "/api/v1/keys", 200, t0),
                new SimCall("POST", "/api/v1/keys", 429, t0.plusMillis(10)),
                new SimCall("PATCH", "/api/v1/keys/abc", 200, t0.plusMillis(20)));

        assertThat(SimulatorControl.creates(calls)).containsExactly(t0.plusMillis(10), t0.plusMillis(30));
    }
}
