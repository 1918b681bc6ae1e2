package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.OpsHttpServer;
import io.provisioner.runtime.Pipeline;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * CONTRACT 7: secrets appear in no log, topic, metric or exception. One run through provisioning,
 * retries (500s), two dead letters (a 400 and a record that cannot be read) and a rotation of the
 * encryption key; then every place an operator can look is searched for every secret the run used.
 */
@ExtendWith(SharedInfra.class)
class SecretsIT {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void noSecretReachesLogsTopicsMetricsHealthConfigOrErrors(Infra infra) throws Exception {
        String role = "sec_" + HexFormat.of().formatHex(random(6));
        String dbPassword = "pw-" + HexFormat.of().formatHex(random(16));
        String managementKey = "mgmt-" + HexFormat.of().formatHex(random(20));
        String oldKey = Base64.getEncoder().encodeToString(random(32));
        String newKey = Base64.getEncoder().encodeToString(random(32));
        execute(infra, "create role " + role + " login superuser password '" + dbPassword + "'");
        SecretScan scan = new SecretScan()
                .secret("OPENROUTER_PROVISIONING_KEY", managementKey)
                .secret("DATABASE_PASSWORD", dbPassword)
                .secret("PROVISIONER_ENCRYPTION_KEY (old)", oldKey)
                .secret("PROVISIONER_ENCRYPTION_KEY (new)", newKey);
        LogCapture logs = new LogCapture();
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.simulator.setAcceptedManagementKey(managementKey);
            f.env.put("OPENROUTER_PROVISIONING_KEY", managementKey);
            f.env.put("DATABASE_USER", role);
            f.env.put("DATABASE_PASSWORD", dbPassword);
            f.env.put("PROVISIONER_ENCRYPTION_KEY", oldKey);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pipeline pipeline = f.start(EnumSet.allOf(Components.class), registry);
            try (OpsHttpServer ops = new OpsHttpServer("127.0.0.1", 0, registry, pipeline::health)) {
                runThroughEveryPath(f);
                rotate(f, oldKey, newKey, scan);
                scanEverything(f, ops.port(), scan);
            }
        } finally {
            logs.close(); // after the pipeline's shutdown, which logs too
            execute(infra, "drop owned by " + role + " cascade");
            execute(infra, "drop role " + role);
        }
        scan.scan("logs", logs.text());
        assertThat(logs.text()).as("the logs were captured").contains("attempt 1/", "dead-lettered");
        assertThat(scan.secrets()).as("secrets looked for").isGreaterThanOrEqualTo(4 + 6);
        assertThat(scan.leaks()).as("secrets found").isEmpty();
    }

    /** Six owners with keys (one after two 500s), one dead letter for a 400, one for an unreadable record. */
    private static void runThroughEveryPath(PipelineFixture f) throws Exception {
        List<String> owners = f.insertOwners(4);
        String retried = "teacher:" + UUID.randomUUID();
        f.simulator.enqueueCreateFaultsFor(retried, Fault.status(500), Fault.status(500));
        insertTeacher(f, retried);
        String rejected = "teacher:" + UUID.randomUUID();
        f.simulator.failCreatesFor(rejected, Fault.status(400));
        insertTeacher(f, rejected);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", f.infra.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(f.schema + ".requests", "teacher:x".getBytes(), "{not json".getBytes()))
                    .get();
        }
        String last = f.insertTeacher();
        await().atMost(WAIT).until(() -> f.activeKeys() == owners.size() + 2);
        await().atMost(WAIT).until(() -> f.deadLetters().size() == 2);
        assertThat(f.simulator.liveKeysNamed(retried)).hasSize(1);
        assertThat(f.simulator.liveKeysNamed(last)).hasSize(1);
        assertThat(f.job(rejected).orElseThrow().status()).isEqualTo("dead");
    }

    private static void rotate(PipelineFixture f, String oldKey, String newKey, SecretScan scan) {
        f.env.put("PROVISIONER_ENCRYPTION_KEY_OLD", oldKey);
        f.env.put("PROVISIONER_ENCRYPTION_KEY", newKey);
        PipelineFixture.CliRun rotate = f.cli("rotate-encryption-key");
        assertThat(rotate.exit()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("re-encrypted 6");
        scan.scan("rotate-encryption-key output", rotate.out() + rotate.err());
    }

    private static void scanEverything(PipelineFixture f, int opsPort, SecretScan scan) throws Exception {
        List<String> issued = Stream.concat(f.simulator.liveKeys().stream(), f.simulator.deletedKeys().stream())
                .map(SimKey::secret)
                .toList();
        for (int i = 0; i < issued.size(); i++) {
            scan.secret("issued key #" + (i + 1), issued.get(i));
        }
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/metrics", "/health")) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).as(path).isNotEmpty();
            scan.scan(path, r.body());
        }
        for (List<String> cmd : List.of(
                List.of("config"),
                List.of("status"),
                List.of("dlt", "list"),
                List.of("lag", "--group", f.streamGroup()))) {
            PipelineFixture.CliRun run = f.cli(cmd.toArray(String[]::new));
            scan.scan("provisioner " + String.join(" ", cmd), run.out() + run.err());
        }
        long records = TopicDump.scanTopicsStartingWith(f.infra, f.schema, scan);
        assertThat(records).as("records scanned on the run's topics").isGreaterThanOrEqualTo(8);
        scanTables(f, scan);
    }

    /** What the database shows beside the encrypted keys: the jobs' errors and the public view. */
    private static void scanTables(PipelineFixture f, SecretScan scan) throws Exception {
        for (String table : List.of("ai_key_provision_jobs", "v_ai_provider_keys_public")) {
            try (Connection c = f.infra.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select * from " + f.schema + "." + table)) {
                while (rs.next()) {
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        scan.scan(table, rs.getString(i));
                    }
                }
            }
        }
    }

    private static void insertTeacher(PipelineFixture f, String owner) throws Exception {
        try (Connection c = f.infra.connect();
                var ps = c.prepareStatement("insert into " + f.schema + ".teachers values (?::uuid, ?, null)")) {
            ps.setString(1, owner.substring("teacher:".length()));
            ps.setString(2, "teacher under test");
            ps.executeUpdate();
        }
    }

    private static void execute(Infra infra, String sql) throws Exception {
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
