package io.provisioner.dev;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.cli.ProvisionerCli;
import io.provisioner.simulator.OpenRouterSimulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The README's first command, run as a user runs it: the dev jar in a process of its own. */
class DevCommandIT {

    @Test
    void devDemoProvisionsEverySeededOwnerAndExits() throws Exception {
        String out = DevJarRun.runAndExpectSuccess(
                Duration.ofMinutes(5), "dev", "--owners", "12", "--exit-when-done", "--timeout", "4m");
        assertThat(out)
                .contains("summary")
                .containsPattern("owners\\s+12")
                .containsPattern("keys stored\\s+12")
                .containsPattern("owners with more than one: 0");
        assertThat(out).doesNotContain("sk-or-v1-");
    }

    /**
     * A newcomer follows what the demo prints: psql's URL reaches its database (a row inserted there gets a
     * key) and the printed export line points {@code status} and {@code lag} at the running demo.
     */
    @Test
    void devSaysWhereItsDatabaseIsAndTheOtherCommandsWorkAgainstIt() throws Exception {
        Path log = Files.createTempFile("dev-jar", ".log");
        Process p = DevJarRun.start(log, "dev", "--owners", "4");
        try {
            String out = awaitOutput(log, "still running", Duration.ofMinutes(4));
            Matcher psql = Pattern.compile("psql '(postgresql://[^']+)'").matcher(out);
            assertThat(psql.find()).as("a psql command in:%n%s", out).isTrue();
            Matcher export = Pattern.compile("export (.+)").matcher(out);
            assertThat(export.find()).as("an export line in:%n%s", out).isTrue();
            Map<String, String> env = new HashMap<>();
            for (String pair : export.group(1).trim().split(" ")) {
                String[] kv = pair.split("=", 2);
                env.put(kv[0], kv[1].replace("'", ""));
            }
            assertThat(env.get("DATABASE_URL")).isEqualTo(psql.group(1));

            URI db = URI.create(psql.group(1));
            String jdbc = "jdbc:postgresql://" + db.getHost() + ":" + db.getPort() + db.getPath();
            try (Connection c = DriverManager.getConnection(jdbc, "postgres", "postgres");
                    Statement st = c.createStatement()) {
                st.execute("insert into organizations (id, name) values (gen_random_uuid(), 'Acme')");
                Awaitility.await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                    try (ResultSet rs =
                            st.executeQuery("select count(*) from ai_provider_keys where revoked_at is null")) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(5);
                    }
                });
            }

            StringWriter statusOut = new StringWriter();
            StringWriter statusErr = new StringWriter();
            int status = ProvisionerCli.execute(
                    env, new PrintWriter(statusOut, true), new PrintWriter(statusErr, true), "status", "--json");
            assertThat(status).as("status: %s", statusErr).isZero();
            assertThat(statusOut.toString()).contains("\"succeeded\":5");
            int lag = ProvisionerCli.execute(
                    env, new PrintWriter(new StringWriter(), true), new PrintWriter(statusErr, true), "lag");
            assertThat(lag).as("lag: %s", statusErr).isZero();
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void simulatorRunsFromTheDevJar() throws Exception {
        Path log = Files.createTempFile("dev-jar", ".log");
        Process p = DevJarRun.start(log, "simulator", "--port", "0");
        try {
            String out = awaitOutput(log, "OPENROUTER_BASE_URL=", Duration.ofMinutes(1));
            Matcher url = Pattern.compile("OPENROUTER_BASE_URL=(\\S+)").matcher(out);
            assertThat(url.find()).isTrue();
            HttpResponse<String> keys = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(url.group(1) + "/keys"))
                                    .header("Authorization", "Bearer " + OpenRouterSimulator.DEFAULT_MANAGEMENT_KEY)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(keys.statusCode()).isEqualTo(200);
            assertThat(keys.body()).contains("\"data\"");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private static String awaitOutput(Path log, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (out.contains(text)) {
                return out;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                "no '" + text + "' within " + timeout + "; output:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
}
