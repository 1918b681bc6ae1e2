package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.Setting;
import io.provisioner.core.config.Settings;
import io.provisioner.runtime.PublishedDemoKey;
import io.provisioner.simulator.OpenRouterSimulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProvisionerCliTest {

    private static final String GOOD_KEY = "IB8eHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE=";
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        return ProvisionerCli.execute(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private static Map<String, String> valid() {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://app:s3cr3t-pw@db.example:5432/app");
        env.put("OPENROUTER_PROVISIONING_KEY", "mgmt-very-secret-value");
        env.put("PROVISIONER_ENCRYPTION_KEY", GOOD_KEY);
        return env;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev --owners 5", "bench --quick", "simulator --port 0"})
    void theDemosCommandsInTheRuntimeJarExitTwoPointingAtTheLauncher(String line) {
        String command = line.split(" ")[0];
        int code = run(Map.of(), line.split(" "));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip())
                .startsWith("error: `" + command + "` is not part of this jar")
                .contains("./provisioner " + command);
    }

    @Test
    void theRuntimeJarAcceptsThePublishedKeyWithTheSimulatorsOwnManagementKey() {
        assertThat(PublishedDemoKey.SIMULATOR_MANAGEMENT_KEY).isEqualTo(OpenRouterSimulator.DEFAULT_MANAGEMENT_KEY);
    }

    @Test
    void missingDatabaseUrlExitsTwoNamingIt() {
        int code = run(Map.of(), "migrate");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("error: DATABASE_URL").doesNotContain("\n");
    }

    @Test
    void malformedEncryptionKeyExitsTwoNamingItWithoutTheValue() {
        Map<String, String> env = valid();
        env.put("PROVISIONER_ENCRYPTION_KEY", "not-base64-!!-secretish");
        int code = run(env, "run");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("PROVISIONER_ENCRYPTION_KEY").doesNotContain("secretish");
    }

    @Test
    void shortEncryptionKeyIsRejected() {
        Map<String, String> env = valid();
        env.put("PROVISIONER_ENCRYPTION_KEY", "AAECAwQF");
        assertThat(run(env, "config")).isEqualTo(2);
        assertThat(err.toString()).contains("PROVISIONER_ENCRYPTION_KEY").contains("expected 32");
    }

    @Test
    void unknownOrVariableExitsTwoNamingIt() {
        Map<String, String> env = valid();
        env.put("OR_DELAY_MSS", "100");
        assertThat(run(env, "run")).isEqualTo(2);
        assertThat(err.toString()).contains("OR_DELAY_MSS").contains("not a known setting");
    }

    @Test
    void nonNumericDelayExitsTwoNamingIt() {
        Map<String, String> env = valid();
        env.put("OR_DELAY_MS", "fast");
        assertThat(run(env, "run")).isEqualTo(2);
        assertThat(err.toString()).contains("OR_DELAY_MS").contains("'fast'");
    }

    @Test
    void outOfRangeNumbersExitTwoNamingTheSetting() {
        Map<String, String> env = valid();
        env.put("OR_RATE_PER_SEC", "1e-400");
        assertThat(run(env, "config")).isEqualTo(2);
        assertThat(run(env, "run")).isEqualTo(2);
        env.remove("OR_RATE_PER_SEC");
        env.put("PROVISIONER_SWEEP_INTERVAL", "99999999999d");
        assertThat(run(env, "run")).isEqualTo(2);
        assertThat(err.toString())
                .contains("OR_RATE_PER_SEC", "1e-400", "PROVISIONER_SWEEP_INTERVAL")
                .doesNotContain("Exception");
    }

    /** The compose demo's key is public: anything stored under it can be read by anyone. */
    @Test
    void runRefusesThePublishedDemoKeyUnlessItTalksToTheSimulator() throws Exception {
        Map<String, String> env = valid();
        env.put("PROVISIONER_ENCRYPTION_KEY", PublishedDemoKey.ENCRYPTION_KEY);

        assertThat(run(env, "run")).isEqualTo(2);

        assertThat(err.toString().strip())
                .startsWith("error: PROVISIONER_ENCRYPTION_KEY is the demo's published key")
                .contains("openssl rand -base64 32")
                .doesNotContain(PublishedDemoKey.ENCRYPTION_KEY)
                .doesNotContain("\n");
        try (var lines = Files.lines(Path.of("..", "docker", "provisioner.env"))) {
            assertThat(lines)
                    .as("the key the compose demo publishes")
                    .contains("PROVISIONER_ENCRYPTION_KEY=" + PublishedDemoKey.ENCRYPTION_KEY);
        }
    }

    @Test
    void thePublishedDemoKeyIsAcceptedWithTheSimulatorsManagementKeyOnly() {
        Map<String, String> env = valid();
        env.put("PROVISIONER_ENCRYPTION_KEY", PublishedDemoKey.ENCRYPTION_KEY);
        env.put("OPENROUTER_PROVISIONING_KEY", "sim-management-key");
        PublishedDemoKey.refuseOutsideTheSimulator(config(env));
        env.put("PROVISIONER_ENCRYPTION_KEY", GOOD_KEY);
        env.put("OPENROUTER_PROVISIONING_KEY", "mgmt-very-secret-value");
        PublishedDemoKey.refuseOutsideTheSimulator(config(env));
        env.put("PROVISIONER_ENCRYPTION_KEY", PublishedDemoKey.ENCRYPTION_KEY.replace("=", ""));
        assertThatThrownBy(() -> PublishedDemoKey.refuseOutsideTheSimulator(config(env)))
                .as("the same key without its padding")
                .isInstanceOf(ConfigException.class);
    }

    private static ProvisionerConfig config(Map<String, String> env) {
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }

    @Test
    void unknownComponentIsBadUsage() {
        assertThat(run(valid(), "run", "--components", "cdc,printer")).isEqualTo(2);
        assertThat(err.toString()).contains("printer");
    }

    @Test
    void malformedDltOptionsAreBadUsageBeforeAnythingConnects() {
        assertThat(run(valid(), "dlt", "replay", "--owner", "nocolon")).isEqualTo(2);
        assertThat(err.toString()).contains("--owner");
        assertThat(run(valid(), "dlt", "list", "--limit", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--limit");
    }

    @Test
    void configPrintsEverySettingWithSecretsMasked() {
        Map<String, String> env = valid();
        env.put("OR_DELAY_MS", "500");
        env.put(
                "KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"kpw\";");
        assertThat(run(env, "config")).isEqualTo(0);
        String printed = out.toString();
        assertThat(printed)
                .contains("OR_DELAY_MS", "500", "OR_BACKOFF_MULTIPLIER", "CDC_SNAPSHOT_MODE", "LOG_FORMAT")
                .contains("KAFKA_SASL_JAAS_CONFIG")
                .doesNotContain("mgmt-very-secret-value")
                .doesNotContain(GOOD_KEY)
                .doesNotContain("s3cr3t-pw")
                .doesNotContain("kpw");
    }

    /** The rule comes from the declaration that enforces it, so each line shows what its setting accepts. */
    @Test
    void configPrintsEverySettingsRuleBesideItsMeaning() {
        assertThat(run(valid(), "config")).isEqualTo(0);
        Map<String, String> lines = new HashMap<>();
        out.toString().lines().forEach(l -> lines.put(l.split(" ", 2)[0], l));
        for (Setting s : Settings.ALL) {
            assertThat(lines.get(s.env())).as(s.env()).isNotNull().contains(s.doc() + " (" + s.rule() + ")");
        }
        assertThat(lines.get("OR_BATCH_SIZE")).contains("(int, 1 to 10000) [default 5]");
        assertThat(lines.get("PROVISIONER_DLT_RETENTION")).contains("(duration, -1 or 1m to 3650d) [default -1]");
    }

    @Test
    void secretsCanComeFromFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("key");
        java.nio.file.Files.writeString(f, "AAECAwQF\n");
        Map<String, String> env = valid();
        env.remove("PROVISIONER_ENCRYPTION_KEY");
        env.put("PROVISIONER_ENCRYPTION_KEY_FILE", f.toString());
        assertThat(run(env, "config")).isEqualTo(2);
        assertThat(err.toString()).contains("PROVISIONER_ENCRYPTION_KEY").contains("decodes to 6 bytes");
    }
}
