package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Duration options read what duration settings read ({@code io.provisioner.core.config.Durations}). Each
 * form below was refused by one of the former parsers: {@code 500ms} by replay and reconcile, {@code 1d} and
 * a plain number of seconds by all three options, {@code 1h30m} by the settings.
 */
class DurationOptionsTest {

    private static final Map<String, Duration> FORMS = Map.of(
            "500ms", Duration.ofMillis(500),
            "1d", Duration.ofDays(1),
            "90", Duration.ofSeconds(90),
            "1h30m", Duration.ofMinutes(90),
            "PT30S", Duration.ofSeconds(30));

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        err.getBuffer().setLength(0);
        return ProvisionerCli.execute(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void replayByDurationReadsEveryForm() {
        FORMS.forEach((text, d) -> {
            ReplayCommand replay = CommandLine.populateCommand(new ReplayCommand(), "--by-duration", text);
            Instant before = Instant.now();
            Instant at = replay.when();
            assertThat(at).as(text).isBetween(before.minus(d), Instant.now().minus(d));
        });
    }

    @Test
    void reconcileGraceReadsEveryForm() {
        FORMS.forEach((text, d) -> assertThat(CommandLine.populateCommand(new ReconcileCommand(), "--grace", text)
                        .minOrphanAge())
                .as(text)
                .isEqualTo(d));
        assertThat(CommandLine.populateCommand(new ReconcileCommand()).minOrphanAge())
                .as("the default, 10m")
                .isEqualTo(Duration.ofMinutes(10));
    }

    /** lag reads its options first: a configuration that fails shows they were read. */
    @Test
    void lagWindowAndIntervalReadEveryForm() {
        Map<String, String> env = new HashMap<>();
        env.put("OR_BATCH_SIZE", "0");
        for (String text : FORMS.keySet()) {
            for (String option : List.of("--window", "--interval")) {
                assertThat(run(env, "lag", option, text)).isEqualTo(2);
                assertThat(err.toString())
                        .as("%s %s", option, text)
                        .startsWith("error: OR_BATCH_SIZE")
                        .doesNotContain(option);
            }
        }
    }

    @Test
    void malformedDurationOptionsExitTwoNamingTheOptionBeforeAnythingConnects() {
        Map<String, String> env = Map.of("DATABASE_URL", "postgresql://u:p@db.invalid:5432/app");
        for (List<String> args : List.of(
                List.of("lag", "--window", "soon"),
                List.of("lag", "--interval", "0s"),
                List.of("replay", "--by-duration", "2 hours"),
                List.of("replay", "--by-duration", "-2h"),
                List.of("reconcile", "--grace", "soon"))) {
            assertThat(run(env, args.toArray(String[]::new))).as("%s", args).isEqualTo(2);
            assertThat(err.toString().strip())
                    .as("%s", args)
                    .startsWith("error: " + args.get(1) + " must ")
                    .contains("'" + args.get(2) + "'")
                    .doesNotContain("\n");
        }
    }
}
