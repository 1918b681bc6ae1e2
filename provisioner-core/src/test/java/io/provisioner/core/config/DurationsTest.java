package io.provisioner.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DurationsTest {

    /** Every form one of the five former parsers (settings, lag, replay, reconcile, dev) accepted. */
    @Test
    void readsEveryFormThatWasAcceptedSomewhere() {
        Map<String, Duration> forms = Map.ofEntries(
                Map.entry("500ms", Duration.ofMillis(500)),
                Map.entry("30s", Duration.ofSeconds(30)),
                Map.entry("10m", Duration.ofMinutes(10)),
                Map.entry("1h", Duration.ofHours(1)),
                Map.entry("1d", Duration.ofDays(1)),
                Map.entry("30", Duration.ofSeconds(30)),
                Map.entry("PT30S", Duration.ofSeconds(30)),
                Map.entry("pt2h", Duration.ofHours(2)),
                Map.entry("P1DT2H", Duration.ofHours(26)),
                Map.entry("PT0.5S", Duration.ofMillis(500)),
                Map.entry("1h30m", Duration.ofMinutes(90)),
                Map.entry("1.5s", Duration.ofMillis(1500)),
                Map.entry("5M", Duration.ofMinutes(5)),
                Map.entry("500MS", Duration.ofMillis(500)),
                Map.entry(" 10 m ", Duration.ofMinutes(10)),
                Map.entry("0", Duration.ZERO),
                Map.entry("0s", Duration.ZERO));
        forms.forEach((text, expected) ->
                assertThat(Durations.parse("--x", text)).as(text).isEqualTo(expected));
    }

    @Test
    void readsFractionsAndSumsOfAnyUnitExactly() {
        assertThat(Durations.parse("--x", "1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("--x", "1d 2h 3m 4s 5ms")).isEqualTo(Duration.parse("P1DT2H3M4.005S"));
        assertThat(Durations.parse("--x", "0.000001ms")).isEqualTo(Duration.ofNanos(1));
    }

    @Test
    void rejectsWhatIsNoDurationNamingTheOption() {
        for (String bad : List.of(
                "", "soon", "5x", "1e3s", "0x10", "1,5", "NaN", "Infinity", "1h30", "s", "PT", "P1W", "5 s m")) {
            assertThatThrownBy(() -> Durations.parse("--window", bad))
                    .as("'%s'", bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("--window must be a duration such as 500ms, 30s");
        }
    }

    @Test
    void rejectsNegativeDurations() {
        for (String bad : List.of("-5s", "-1", "PT-5S", "-PT5S")) {
            assertThatThrownBy(() -> Durations.parse("OR_X", bad))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("OR_X must not be negative");
        }
    }

    @Test
    void rejectsDurationsTooLongForJavaTime() {
        for (String bad : List.of("99999999999999999999", "99999999999999999999d", "0.0000001ms")) {
            assertThatThrownBy(() -> Durations.parse("OR_X", bad))
                    .as(bad)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("OR_X must be a duration");
        }
    }

    @Test
    void positiveRejectsZero() {
        assertThat(Durations.positive("--interval", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> Durations.positive("--interval", "0s"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--interval must be more than 0, was '0s'");
    }

    @Test
    void formatUsesTheLargestWholeUnitAndReadsBack() {
        assertThat(Durations.format(Duration.ofHours(168))).isEqualTo("7d");
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Durations.format(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0");
        assertThat(Durations.format(Duration.ofNanos(1))).isEqualTo("PT0.000000001S");
        for (Duration d :
                List.of(Duration.ofDays(3650), Duration.ofSeconds(61), Duration.ofMillis(1), Duration.ofNanos(1500))) {
            assertThat(Durations.parse("x", Durations.format(d))).isEqualTo(d);
        }
    }
}
