package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.simulator.SimKey;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The whole happy path on a real broker, a real Postgres and the simulator over HTTP. */
@ExtendWith(SharedInfra.class)
class PipelineIT {

    @Test
    void everyInsertedOwnerGetsExactlyOneEncryptedKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            List<String> before = f.insertOwners(10); // exist before the first start: the snapshot's job
            f.start();
            List<String> after = f.insertOwners(40);
            List<String> all = new ArrayList<>(before);
            all.addAll(after);

            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() ->
                            f.count("select count(*) from " + f.schema + ".ai_provider_keys where revoked_at is null")
                                    == 50);

            KeyCipher cipher = f.config().requireCipher();
            Map<String, String> stored = new HashMap<>();
            try (Connection c = infra.connect();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select owner_type, owner_id, key_hash, encrypted_key from "
                            + f.schema + ".ai_provider_keys where revoked_at is null")) {
                while (rs.next()) {
                    String owner = rs.getString(1) + ":" + rs.getString(2);
                    assertThat(stored.put(owner, rs.getString(3))).isNull();
                    List<SimKey> onOpenRouter = f.simulator.liveKeysNamed(owner);
                    assertThat(onOpenRouter).as("keys named %s", owner).hasSize(1);
                    assertThat(onOpenRouter.get(0).hash()).isEqualTo(rs.getString(3));
                    assertThat(cipher.decrypt(rs.getString(4), owner).reveal())
                            .isEqualTo(onOpenRouter.get(0).secret());
                }
            }
            assertThat(stored.keySet()).containsExactlyInAnyOrderElementsOf(all);
            assertThat(f.simulator.liveKeys()).hasSize(50);
            assertThat(f.count(
                            "select count(*) from " + f.schema + ".ai_key_provision_jobs where status = 'succeeded'"))
                    .isEqualTo(50);
            assertThat(f.simulator.liveKeysNamed(after.get(1)).get(0).limit()).isEqualByComparingTo("50");

            assertPublicViewShowsNoSecret(infra, f);
            assertResultsCarryNoSecret(infra, f, 50);

            PipelineFixture.CliRun status = f.cli("status");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).containsPattern("succeeded\\s+50").contains("no failures");

            assertRotationReencryptsEveryKey(f);
        }
    }

    private static void assertRotationReencryptsEveryKey(PipelineFixture f) throws Exception {
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        String newKey = java.util.Base64.getEncoder().encodeToString(raw);
        f.env.put("PROVISIONER_ENCRYPTION_KEY_OLD", f.env.get("PROVISIONER_ENCRYPTION_KEY"));
        f.env.put("PROVISIONER_ENCRYPTION_KEY", newKey);
        PipelineFixture.CliRun rotate = f.cli("rotate-encryption-key");
        assertThat(rotate.exit()).as(rotate.err()).isZero();
        assertThat(rotate.out()).contains("re-encrypted 50");
        KeyCipher fresh = f.config().requireCipher();
        try (Connection c = f.infra.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select owner_type || ':' || owner_id, encrypted_key from " + f.schema
                        + ".ai_provider_keys where revoked_at is null")) {
            while (rs.next()) {
                String owner = rs.getString(1);
                assertThat(fresh.decrypt(rs.getString(2), owner).reveal())
                        .isEqualTo(f.simulator.liveKeysNamed(owner).get(0).secret());
            }
        }
    }

    private static void assertPublicViewShowsNoSecret(Infra infra, PipelineFixture f) throws Exception {
        List<String> secrets =
                f.simulator.liveKeys().stream().map(SimKey::secret).toList();
        try (Connection c = infra.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select * from " + f.schema + ".v_ai_provider_keys_public")) {
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                columns.add(rs.getMetaData().getColumnName(i));
            }
            assertThat(columns).contains("key_hash", "owner_id").doesNotContain("encrypted_key");
            while (rs.next()) {
                for (int i = 1; i <= columns.size(); i++) {
                    // key_label is OpenRouter's masked rendering ("sk-or-v1-d47...ef31"), not the secret
                    String v = rs.getString(i) == null ? "" : rs.getString(i);
                    secrets.forEach(secret -> assertThat(v).doesNotContain(secret));
                }
            }
        }
    }

    private static void assertResultsCarryNoSecret(Infra infra, PipelineFixture f, int expected) {
        Properties p = new Properties();
        p.put("bootstrap.servers", infra.bootstrapServers());
        p.put("group.id", f.schema + "-results-reader");
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(f.schema + ".results"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
                return records.size() >= expected;
            });
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            assertThat(value).contains("\"key_hash\"").doesNotContain("sk-or-v1-");
            f.simulator.liveKeys().forEach(k -> assertThat(value).doesNotContain(k.secret()));
        }
    }

    @Test
    void throttleHoldsAcrossABurstOfInserts(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_PER_SEC", "5");
            f.start();
            f.insertOwners(30);
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() ->
                            f.count("select count(*) from " + f.schema + ".ai_provider_keys where revoked_at is null")
                                    == 30);

            List<Instant> creates = f.simulator.requests().stream()
                    .filter(r -> r.method().equals("POST") && r.path().endsWith("/keys"))
                    .map(SimRequest::at)
                    .sorted()
                    .toList();
            assertThat(creates).hasSize(30);
            int worst = 0;
            for (int i = 0; i < creates.size(); i++) {
                int inWindow = 0;
                for (int j = i;
                        j < creates.size()
                                && creates.get(j).isBefore(creates.get(i).plusSeconds(1));
                        j++) {
                    inWindow++;
                }
                worst = Math.max(worst, inWindow);
            }
            assertThat(worst).as("most creates in any one-second window").isLessThanOrEqualTo(5 + 1);
        }
    }
}
