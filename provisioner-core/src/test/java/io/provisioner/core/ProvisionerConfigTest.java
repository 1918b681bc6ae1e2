package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.Setting;
import io.provisioner.core.config.Settings;
import io.provisioner.core.ports.LimitReset;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisionerConfigTest {

    private static ProvisionerConfig load(Map<String, String> env) {
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }

    @Test
    void defaultsFollowTheContract() {
        ProvisionerConfig c = load(Map.of());
        assertThat(c.throttle().ratePerSecond()).isEqualTo(1000.0 / 1100);
        assertThat(c.throttle().limiter()).isEqualTo(ProvisionerConfig.RateLimiterKind.POSTGRES);
        assertThat(c.throttle().batchSize()).isEqualTo(5);
        assertThat(c.retry().maxAttempts()).isEqualTo(8);
        assertThat(c.retry().tierDelay(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.retry().maxRetryAfter()).isEqualTo(Duration.ofHours(1));
        assertThat(c.limits().organization().limit()).isEqualByComparingTo("200");
        assertThat(c.limits().teacher().limit()).isEqualByComparingTo("50");
        assertThat(c.limits().teacher().reset()).isEqualTo(LimitReset.DAILY);
        assertThat(c.cdc().tables())
                .containsEntry("public.organizations", "organization")
                .containsEntry("public.teachers", "teacher");
        assertThat(c.kafka().bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(c.topics().requests().name()).isEqualTo("provisioning.requests");
        assertThat(c.topics().retries()).hasSize(7);
        assertThat(c.topics().retry(7).name()).isEqualTo("provisioning.retry.7");
        assertThat(c.topics().dlt().name()).isEqualTo("provisioning.dlt");
        assertThat(c.sweepInterval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.http().port()).isEqualTo(8080);
        assertThat(c.orphanGrace()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.dltRetention()).isEmpty();
        assertThat(c.keyNames().prefix()).isEmpty();
    }

    @Test
    void maxRetryAfterIsADurationOfOneSecondToOneDay() {
        assertThat(load(Map.of("OR_MAX_RETRY_AFTER", "10m")).retry().maxRetryAfter())
                .isEqualTo(Duration.ofMinutes(10));
        assertThatThrownBy(() -> load(Map.of("OR_MAX_RETRY_AFTER", "2d"))).hasMessageContaining("OR_MAX_RETRY_AFTER");
        assertThatThrownBy(() -> load(Map.of("OR_MAX_RETRY_AFTER", "0"))).hasMessageContaining("OR_MAX_RETRY_AFTER");
    }

    @Test
    void orphanGraceMustExceedTheHttpTimeout() {
        assertThatThrownBy(() -> load(Map.of("PROVISIONER_ORPHAN_GRACE", "30s")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("PROVISIONER_ORPHAN_GRACE")
                .hasMessageContaining("OR_HTTP_TIMEOUT_MS");
        assertThat(load(Map.of("PROVISIONER_ORPHAN_GRACE", "2s", "OR_HTTP_TIMEOUT_MS", "1500"))
                        .orphanGrace())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void dltRetentionIsForeverOrAPositiveDuration() {
        assertThat(load(Map.of("PROVISIONER_DLT_RETENTION", "30d")).dltRetention())
                .contains(Duration.ofDays(30));
        assertThatThrownBy(() -> load(Map.of("PROVISIONER_DLT_RETENTION", "0")))
                .hasMessageStartingWith("PROVISIONER_DLT_RETENTION");
        assertThatThrownBy(() -> load(Map.of("PROVISIONER_DLT_RETENTION", "-5")))
                .hasMessageStartingWith("PROVISIONER_DLT_RETENTION");
    }

    @Test
    void keyNamePrefixIsPrintable() {
        assertThat(load(Map.of("OR_KEY_NAME_PREFIX", "staging/")).keyNames().prefix())
                .isEqualTo("staging/");
        assertThatThrownBy(() -> load(Map.of("OR_KEY_NAME_PREFIX", "bad\u0001name")))
                .hasMessageStartingWith("OR_KEY_NAME_PREFIX");
    }

    @Test
    void ratePerSecondOverridesDelay() {
        assertThat(load(Map.of("OR_DELAY_MS", "200", "OR_RATE_PER_SEC", "2.5"))
                        .throttle()
                        .ratePerSecond())
                .isEqualTo(2.5);
        assertThat(load(Map.of("OR_DELAY_MS", "200")).throttle().ratePerSecond())
                .isEqualTo(5.0);
    }

    @Test
    void supabaseStyleUrlBecomesJdbcWithCredentials() {
        DatabaseConfig db = load(Map.of(
                        "DATABASE_URL", "postgresql://u%40x:p%3Aw@db.host:6543/postgres?sslmode=require"))
                .requireDatabase();
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://db.host:6543/postgres?sslmode=require");
        assertThat(db.user()).contains("u@x");
        assertThat(db.password().orElseThrow().reveal()).isEqualTo("p:w");
    }

    @Test
    void explicitUserAndPasswordOverrideTheUrl() {
        DatabaseConfig db = load(Map.of(
                        "DATABASE_URL", "postgresql://u:p@h/db", "DATABASE_USER", "other", "DATABASE_PASSWORD", "pw2"))
                .requireDatabase();
        assertThat(db.user()).contains("other");
        assertThat(db.password().orElseThrow().reveal()).isEqualTo("pw2");
    }

    @Test
    void invalidValuesNameTheSetting() {
        assertThatThrownBy(() -> load(Map.of("OR_BATCH_SIZE", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("OR_BATCH_SIZE");
        assertThatThrownBy(() -> load(Map.of("OR_LIMIT_RESET", "hourly"))).hasMessageStartingWith("OR_LIMIT_RESET");
        assertThatThrownBy(() -> load(Map.of("OR_RATE_LIMITER", "redis"))).hasMessageStartingWith("OR_RATE_LIMITER");
        assertThatThrownBy(() -> load(Map.of("CDC_TABLES", "public.students"))).hasMessageStartingWith("CDC_TABLES");
        assertThatThrownBy(() -> load(Map.of("PROVISIONER_SWEEP_INTERVAL", "soon")))
                .hasMessageStartingWith("PROVISIONER_SWEEP_INTERVAL");
        assertThatThrownBy(() -> load(Map.of("DATABASE_URL", "mysql://x"))).hasMessageStartingWith("DATABASE_URL");
        assertThatThrownBy(() -> load(Map.of("CDC_FOO", "x"))).hasMessageStartingWith("CDC_FOO");
        assertThatThrownBy(() -> load(Map.of("OR_ORG_LIMIT", "-5"))).hasMessageStartingWith("OR_ORG_LIMIT");
    }

    @Test
    void guardrailIdsAreUnsetByDefaultAndReadPerOwnerType() {
        assertThat(load(Map.of()).limits().guardrailSettings()).isEmpty();
        String id = "550e8400-e29b-41d4-a716-446655440000";

        ProvisionerConfig config = load(Map.of("OR_TEACHER_GUARDRAIL_ID", id));

        assertThat(config.limits().guardrailFor("teacher")).hasValue(id);
        assertThat(config.limits().guardrailFor("organization")).isEmpty();
        assertThatThrownBy(() -> load(Map.of("OR_ORG_GUARDRAIL_ID", "school-guardrail")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("OR_ORG_GUARDRAIL_ID");
    }

    /** Two tables of one owner type: owners of one would look deleted to the other, so it stops start-up. */
    @Test
    void twoTablesForOneOwnerTypeAreRefusedNamingCdcTables() {
        assertThatThrownBy(() -> load(Map.of("CDC_TABLES", "public.teachers,archive.teachers,public.organizations")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CDC_TABLES")
                .hasMessageContaining("'public.teachers' and 'archive.teachers' are both of owner type 'teacher'");
        assertThatThrownBy(() -> load(Map.of("CDC_TABLES", "public.organization,public.organizations")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("CDC_TABLES");
        assertThat(load(Map.of("CDC_TABLES", "public.teachers,teachers")).cdc().tables())
                .containsExactly(Map.entry("public.teachers", "teacher"));
    }

    /** Every numeric setting of {@link Settings#ALL}, so that a new one is checked without being listed. */
    private static List<Setting> numericSettings() {
        return Settings.ALL.stream()
                .filter(s -> s.type() == Setting.Type.INT
                        || s.type() == Setting.Type.DECIMAL
                        || s.type() == Setting.Type.DURATION)
                .toList();
    }

    @Test
    void everyNumericSettingRejectsValuesOutOfItsRangeNamingIt() {
        List<String> bad = List.of(
                "-1",
                "-0.5",
                "1e-400",
                "1e400",
                "NaN",
                "Infinity",
                "-Infinity",
                "99999999999999999999",
                "99999999999d",
                "9223372036854775807ms",
                "0x10",
                "1,5",
                "PT-5S");
        assertThat(numericSettings()).hasSizeGreaterThanOrEqualTo(16);
        for (Setting s : numericSettings()) {
            for (String value : bad) {
                if (s == Settings.PROVISIONER_DLT_RETENTION && value.equals("-1")) {
                    continue; // forever
                }
                assertThat(catchThrowable(() -> load(Map.of(s.env(), value))))
                        .as("%s=%s", s.env(), value)
                        .isInstanceOf(ConfigException.class)
                        .hasMessageStartingWith(s.env());
            }
            if (!ZERO_ALLOWED.contains(s)) {
                assertThat(catchThrowable(() -> load(Map.of(s.env(), "0"))))
                        .as("%s=0", s.env())
                        .isInstanceOf(ConfigException.class)
                        .hasMessageStartingWith(s.env());
            }
        }
    }

    private static final Set<Setting> ZERO_ALLOWED = Set.of(
            Settings.PROVISIONER_HTTP_PORT,
            Settings.PROVISIONER_SWEEP_INTERVAL,
            Settings.PROVISIONER_USAGE_SYNC_INTERVAL);

    @Test
    void numericSettingsAcceptValuesAtTheEdgesOfTheirRanges() {
        assertThat(load(Map.of("OR_RATE_PER_SEC", "10000")).throttle().ratePerSecond())
                .isEqualTo(10_000.0);
        assertThat(load(Map.of("OR_RATE_PER_SEC", "0.001")).throttle().ratePerSecond())
                .isEqualTo(0.001);
        assertThat(load(Map.of("OR_BACKOFF_MULTIPLIER", "100")).retry().multiplier())
                .isEqualTo(100.0);
        assertThat(load(Map.of("OR_ORG_LIMIT", "1000000000"))
                        .limits()
                        .organization()
                        .limit())
                .isEqualByComparingTo("1e9");
        assertThat(load(Map.of("OR_TEACHER_LIMIT", "0.0001")).limits().teacher().limit())
                .isEqualByComparingTo("0.0001");
        assertThat(load(Map.of("PROVISIONER_SWEEP_INTERVAL", "0")).sweepInterval())
                .isZero();
        assertThat(load(Map.of("PROVISIONER_DLT_RETENTION", "3650d")).dltRetention())
                .contains(Duration.ofDays(3650));
    }

    @Test
    void decimalsBeyondTheirRangeOrPrecisionAreRejected() {
        for (Map.Entry<String, String> e : List.of(
                Map.entry("OR_RATE_PER_SEC", "10000.5"),
                Map.entry("OR_RATE_PER_SEC", "0.0001"),
                Map.entry("OR_BACKOFF_MULTIPLIER", "0.99"),
                Map.entry("OR_BACKOFF_MULTIPLIER", "100.01"),
                Map.entry("OR_ORG_LIMIT", "1000000000.01"),
                Map.entry("OR_TEACHER_LIMIT", "0.00001"))) {
            assertThat(catchThrowable(() -> load(Map.ofEntries(e))))
                    .as("%s=%s", e.getKey(), e.getValue())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(e.getKey());
        }
    }

    @Test
    void missingRequiredSettingsAreDemandedByTheComponentThatNeedsThem() {
        ProvisionerConfig c = load(Map.of());
        assertThatThrownBy(c::requireDatabase).hasMessageStartingWith("DATABASE_URL");
        assertThatThrownBy(c::requireCipher).hasMessageStartingWith("PROVISIONER_ENCRYPTION_KEY");
        assertThatThrownBy(() -> c.openRouter().requireKey()).hasMessageStartingWith("OPENROUTER_PROVISIONING_KEY");
    }

    @Test
    void managementKeyAliasAndSecretFilesWork(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("k");
        Files.writeString(f, "from-file\n");
        assertThat(load(Map.of("OPENROUTER_MANAGEMENT_KEY", "alias"))
                        .openRouter()
                        .requireKey()
                        .reveal())
                .isEqualTo("alias");
        assertThat(load(Map.of("OPENROUTER_PROVISIONING_KEY_FILE", f.toString()))
                        .openRouter()
                        .requireKey()
                        .reveal())
                .isEqualTo("from-file");
    }

    @Test
    void configFileUsesDottedKeysAndWinsOverEnvironment(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.properties");
        Files.writeString(f, "or.delay.ms=250\nor.org.limit=12.5\n");
        Map<String, String> env = new HashMap<>(Map.of("OR_DELAY_MS", "1000"));
        ProvisionerConfig c = ProvisionerConfig.from(ConfigSource.load(env, Optional.of(f)));
        assertThat(c.throttle().ratePerSecond()).isEqualTo(4.0);
        assertThat(c.limits().organization().limit()).isEqualTo(new BigDecimal("12.5"));
    }

    @Test
    void kafkaClientSettingsPassThroughByPrefix() {
        ProvisionerConfig c = load(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_HEAP_OPTS", "-Xmx1g"));
        assertThat(c.kafka().clientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .doesNotContainKey("heap.opts");
    }

    @Test
    void describeMasksKafkaPasswordsAndKeys() {
        var rows = ProvisionerConfig.describe(ConfigSource.load(
                Map.of(
                        "KAFKA_SSL_KEYSTORE_KEY",
                        "-----BEGIN PRIVATE KEY-----abc",
                        "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                        "tpw",
                        "KAFKA_SECURITY_PROTOCOL",
                        "SSL"),
                Optional.empty()));
        assertThat(rows.toString())
                .doesNotContain("BEGIN PRIVATE KEY")
                .doesNotContain("tpw")
                .contains("SSL");
    }

    @Test
    void describeMasksSecrets() {
        var rows = ProvisionerConfig.describe(ConfigSource.load(
                Map.of("OPENROUTER_PROVISIONING_KEY", "topsecret", "DATABASE_URL", "postgresql://u:hunter2@h/db"),
                Optional.empty()));
        assertThat(rows.toString())
                .doesNotContain("topsecret")
                .doesNotContain("hunter2")
                .contains("OR_DELAY_MS");
    }
}
