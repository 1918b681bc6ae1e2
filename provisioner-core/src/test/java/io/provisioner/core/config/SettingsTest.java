package io.provisioner.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The declarations of {@link Settings}: each validator checks what its rule says, naming the setting. */
class SettingsTest {

    private static ProvisionerConfig load(Map<String, String> env) {
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }

    private static List<Setting> withRange() {
        return Settings.ALL.stream()
                .filter(s -> ranges(s.validator()).size() == 1)
                .toList();
    }

    /** The range of a validator, alone or inside {@link Validator#all}. */
    private static List<Validator.Range<?>> ranges(Validator v) {
        List<Validator.Range<?>> out = new ArrayList<>();
        if (v instanceof Validator.Range<?> r) {
            out.add(r);
        } else if (v instanceof Validator.All all) {
            all.parts().forEach(part -> out.addAll(ranges(part)));
        }
        return out;
    }

    /** Just outside and just inside each bound, as the user would write them. */
    private static List<String> outside(Validator.Range<?> r) {
        List<String> out = new ArrayList<>();
        Object min = r.min();
        if (min instanceof Integer i) {
            out.add(String.valueOf(i - 1L));
            r.max().ifPresent(max -> out.add(String.valueOf((Integer) max + 1L)));
        } else if (min instanceof BigDecimal d) {
            out.add(d.subtract(new BigDecimal("0.000000001")).toPlainString());
            r.max()
                    .ifPresent(max ->
                            out.add(((BigDecimal) max).add(BigDecimal.ONE).toPlainString()));
        } else {
            Duration d = (Duration) min;
            if (!d.minusMillis(1).isZero()) {
                out.add(Durations.format(d.minusMillis(1)));
            }
            r.max().ifPresent(max -> out.add(Durations.format(((Duration) max).plusMillis(1))));
        }
        return out;
    }

    private static List<String> inside(Validator.Range<?> r) {
        List<String> in = new ArrayList<>();
        Object min = r.min();
        Object max = r.max().isPresent() ? r.max().get() : min;
        for (Object bound : List.of(min, max)) {
            in.add(
                    bound instanceof BigDecimal d
                            ? d.toPlainString()
                            : bound instanceof Duration d ? Durations.format(d) : String.valueOf(bound));
        }
        return in;
    }

    @Test
    void everyRangeRejectsValuesJustOutsideItNamingTheSettingAndItsRule() {
        assertThat(withRange()).hasSizeGreaterThanOrEqualTo(17);
        for (Setting s : withRange()) {
            Validator.Range<?> range = ranges(s.validator()).get(0);
            for (String value : outside(range)) {
                assertThat(catchThrowable(() -> s.parse(value)))
                        .as("%s=%s", s.env(), value)
                        .isInstanceOf(ConfigException.class)
                        .hasMessageStartingWith(s.env() + " must be")
                        .hasMessageContaining("was '" + value + "'");
            }
            for (String value : inside(range)) {
                assertThat(catchThrowable(() -> s.parse(value)))
                        .as("%s=%s", s.env(), value)
                        .isNull();
            }
        }
    }

    @Test
    void rangesSayWhatTheyCheck() {
        assertThatThrownBy(() -> Settings.OR_BATCH_SIZE.parse("10001"))
                .hasMessage("OR_BATCH_SIZE must be between 1 and 10000, was '10001'");
        assertThatThrownBy(() -> Settings.OR_BACKOFF_INITIAL_MS.parse("0"))
                .hasMessage("OR_BACKOFF_INITIAL_MS must be at least 1, was '0'");
        assertThatThrownBy(() -> Settings.OR_BACKOFF_INITIAL_MS.parse("3000000000"))
                .hasMessage("OR_BACKOFF_INITIAL_MS must be at most 2147483647, was '3000000000'");
        assertThatThrownBy(() -> Settings.OR_MAX_RETRY_AFTER.parse("PT48H"))
                .hasMessage("OR_MAX_RETRY_AFTER must be between 1s and 1d, was 'PT48H'");
        assertThatThrownBy(() -> Settings.PROVISIONER_SWEEP_INTERVAL.parse("50ms"))
                .hasMessage("PROVISIONER_SWEEP_INTERVAL must be 0 or between 100ms and 7d, was '50ms'");
        assertThatThrownBy(() -> Settings.OR_ORG_LIMIT.parse("1.00001"))
                .hasMessage("OR_ORG_LIMIT must have at most 4 digits after the point, was '1.00001'");
        assertThatThrownBy(() -> Settings.OR_DELAY_MS.parse("fast"))
                .hasMessage("OR_DELAY_MS must be a whole number, was 'fast'");
        assertThat(Settings.OR_BATCH_SIZE.rule()).isEqualTo("int, 1 to 10000");
        assertThat(Settings.OR_BACKOFF_INITIAL_MS.rule()).isEqualTo("int, at least 1");
        assertThat(Settings.OR_RATE_PER_SEC.rule()).isEqualTo("decimal, 0.000277778 to 10000, at most 9 decimals");
        assertThat(Settings.PROVISIONER_SWEEP_INTERVAL.rule()).isEqualTo("duration, 0 or 100ms to 7d");
        assertThat(Settings.PROVISIONER_DLT_RETENTION.rule()).isEqualTo("duration, -1 or 1m to 3650d");
        assertThat(Settings.OR_LIMIT_RESET.rule()).isEqualTo("one of daily, weekly, monthly or none");
    }

    @Test
    void everyChoiceRejectsOthersNamingTheSettingAndTheChoices() {
        List<Setting> choices = Settings.ALL.stream()
                .filter(s -> s.type() == Setting.Type.CHOICE)
                .toList();
        assertThat(choices).hasSize(5);
        for (Setting s : choices) {
            assertThat(catchThrowable(() -> s.parse("bogus")))
                    .as(s.env())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(s.env() + " must be ")
                    .hasMessageContaining(s.validator().describe())
                    .hasMessageEndingWith("was 'bogus'");
            assertThat(s.parse(s.defaultValue().toUpperCase(java.util.Locale.ROOT)))
                    .as("%s in upper case", s.env())
                    .isEqualTo(s.defaultValue());
        }
    }

    @Test
    void patternsRejectOtherTextNamingTheSetting() {
        Map<Setting, String> bad = Map.of(
                Settings.PROVISIONER_TOPIC_PREFIX, "a b",
                Settings.CDC_SLOT_NAME, "Upper",
                Settings.CDC_PUBLICATION, "has-dash",
                Settings.OR_KEY_NAME_PREFIX, "x".repeat(65),
                Settings.OPENROUTER_BASE_URL, "ftp://x");
        bad.forEach((s, value) -> assertThat(catchThrowable(() -> s.parse(value)))
                .as(s.env())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(s.env() + " ")
                .hasMessageContaining(
                        s.env().equals("OPENROUTER_BASE_URL")
                                ? "http(s)"
                                : s.validator().describe()));
        assertThatThrownBy(() -> Settings.OR_KEY_NAME_PREFIX.parse("bad\u0001name"))
                .hasMessageEndingWith("was 'bad\\u0001name'");
    }

    @Test
    void everyDefaultPassesItsOwnDeclaration() {
        for (Setting s : Settings.ALL) {
            if (s.defaultValue() != null && !s.isNone(s.defaultValue())) {
                assertThat(catchThrowable(() -> s.parse(s.defaultValue())))
                        .as(s.env())
                        .isNull();
            }
        }
    }

    @Test
    void everySettingHasARuleNamingItsTypeAndWhatItsValidatorAccepts() {
        Set<String> names = new HashSet<>();
        for (Setting s : Settings.ALL) {
            assertThat(names.add(s.env())).as("%s declared once", s.env()).isTrue();
            assertThat(s.rule()).as(s.env()).startsWith(s.type().label());
            if (s.validator() != null) {
                assertThat(s.rule()).as(s.env()).contains(s.validator().describe());
            }
            assertThat(s.doc()).as(s.env()).isNotBlank();
        }
    }

    @Test
    void secretsAreNeverQuoted() {
        Setting s = new Setting(
                "X_KEY",
                Setting.Type.SECRET,
                null,
                Validator.matching("[a-z]+", "lower-case letters"),
                Setting.Importance.HIGH,
                "a secret",
                null,
                List.of());
        assertThatThrownBy(() -> s.parse("Sup3rSecret"))
                .hasMessage("X_KEY must be lower-case letters")
                .hasMessageNotContaining("Sup3rSecret");
    }

    @Test
    void urlsAreQuotedWithTheirPasswordMasked() {
        Setting s =
                Setting.define("X_URL", Setting.Type.URL, null, Validator.httpUrl(), Setting.Importance.HIGH, "a URL");
        assertThatThrownBy(() -> s.parse("ftp://u:hunter2@h/x?password=pw2"))
                .hasMessage("X_URL must be an http(s) URL, was 'ftp://u:******@h/x?password=******'");
    }

    /** Sums and fractions were refused by the settings' former parser, which took one number and one unit. */
    @Test
    void durationSettingsReadWhatDurationOptionsRead() {
        ProvisionerConfig c = load(Map.of(
                "PROVISIONER_SWEEP_INTERVAL", "1h30m",
                "OR_MAX_RETRY_AFTER", "1.5s",
                "PROVISIONER_ORPHAN_GRACE", "500ms",
                "OR_HTTP_TIMEOUT_MS", "100",
                "PROVISIONER_DLT_RETENTION", "P1DT12H"));
        assertThat(c.sweepInterval()).isEqualTo(Duration.ofMinutes(90));
        assertThat(c.retry().maxRetryAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.orphanGrace()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.dltRetention()).contains(Duration.ofHours(36));
        assertThat(load(Map.of("PROVISIONER_SWEEP_INTERVAL", "500ms")).sweepInterval())
                .isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void aNoneTextIsNotAValue() {
        assertThat(load(Map.of("PROVISIONER_DLT_RETENTION", " -1 ")).dltRetention())
                .isEmpty();
        assertThatThrownBy(() -> load(Map.of("PROVISIONER_DLT_RETENTION", "-2")))
                .hasMessage("PROVISIONER_DLT_RETENTION must not be negative, was '-2'");
    }
}
