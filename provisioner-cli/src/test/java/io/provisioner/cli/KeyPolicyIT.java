package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.config.ConfigException;
import io.provisioner.core.events.Json;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Key policy on the real pipeline and the simulator: the guardrail settings, {@code ai_key_policies} rows
 * captured by CDC, and a settings change rolled out to every existing key after a restart, one PATCH or one
 * assignment per key and never a new key.
 */
@ExtendWith(SharedInfra.class)
class KeyPolicyIT {

    private static final Duration WAIT = Duration.ofMinutes(1);
    /** Keys of the roll-out; {@code -Dpolicy.keys=1000} measures a larger one (figures printed, not asserted). */
    private static final int KEYS = Integer.getInteger("policy.keys", 20);

    @Test
    void guardrailOfTheSettingsComesBeforeTheKeyIsStoredAndAPolicyRowChangesTheKeyInPlace(Infra infra)
            throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            String school = f.simulator.addGuardrail("school", new BigDecimal("20"), List.of("openai/gpt-4o-mini"));
            String strict = f.simulator.addGuardrail("strict", new BigDecimal("5"), List.of());
            f.env.put("OR_TEACHER_GUARDRAIL_ID", school);
            f.start();

            String teacher = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            SimKey key = f.simulator.liveKeysNamed(teacher).get(0);
            assertThat(f.simulator.guardrailOfKey(key.hash()))
                    .as("assigned by the time the key row exists")
                    .hasValue(school);
            assertThat(storedGuardrail(f, key.hash())).isEqualTo(school);

            String id = teacher.substring("teacher:".length());
            long start = System.nanoTime();
            f.exec("insert into " + f.schema + ".ai_key_policies (owner_type, owner_id, limit_usd, limit_reset,"
                    + " guardrail_id) values ('teacher', '" + id + "', 7, 'weekly', '" + strict + "')");
            await().atMost(WAIT)
                    .until(() -> f.simulator
                                    .guardrailOfKey(key.hash())
                                    .orElse("")
                                    .equals(strict)
                            && f.simulator.key(key.hash()).orElseThrow().limit().compareTo(new BigDecimal("7")) == 0);
            System.out.printf(
                    "policy row to key in step: %d ms%n",
                    Duration.ofNanos(System.nanoTime() - start).toMillis());
            assertThat(f.simulator.key(key.hash()).orElseThrow().limitReset()).isEqualTo("weekly");
            await().atMost(WAIT).until(() -> strict.equals(storedGuardrail(f, key.hash())));

            f.exec("delete from " + f.schema + ".ai_key_policies");
            await().atMost(WAIT)
                    .until(() -> f.simulator
                                    .guardrailOfKey(key.hash())
                                    .orElse("")
                                    .equals(school)
                            && f.simulator.key(key.hash()).orElseThrow().limit().compareTo(new BigDecimal("50")) == 0);
            assertThat(f.simulator.count("POST", "/api/v1/keys")).as("creates").isEqualTo(1);
            assertThat(f.simulator.liveKeysNamed(teacher)).hasSize(1);
        }
    }

    @Test
    void anUnknownGuardrailOfOneOwnerDeadLettersThatOwnerWithItsReason(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.start();
            String teacher = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            String unknown = UUID.randomUUID().toString();

            f.exec("insert into " + f.schema + ".ai_key_policies (owner_type, owner_id, guardrail_id) values"
                    + " ('teacher', '" + teacher.substring(8) + "', '" + unknown + "')");

            await().atMost(WAIT).until(() -> !forOwner(f.deadLetters(), teacher).isEmpty());
            ConsumerRecord<byte[], byte[]> dead =
                    forOwner(f.deadLetters(), teacher).get(0);
            assertThat(new String(
                            dead.headers()
                                    .lastHeader("provisioning-error-message")
                                    .value(),
                            StandardCharsets.UTF_8))
                    .contains(unknown)
                    .contains("404");
            assertThat(f.simulator.liveKeysNamed(teacher)).as("the key stays").hasSize(1);
        }
    }

    @Test
    void anUnknownGuardrailSettingStopsStartNamingIt(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_TEACHER_GUARDRAIL_ID", UUID.randomUUID().toString());

            assertThatThrownBy(f::start)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("OR_TEACHER_GUARDRAIL_ID names guardrail");
            assertThat(f.cli("run").exit()).as("provisioner run").isEqualTo(2);
        }
    }

    /**
     * The roll-out of a settings change, measured from outside: keys made under the old settings, a restart
     * with a new teacher limit and an organization guardrail, then every key in step without a new key, one
     * PATCH per teacher key and one assignment per organization key.
     */
    @Test
    void aSettingsChangeReachesEveryKeyAfterARestartWithOneCallPerKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "30s");
            f.env.put("OR_RATE_PER_SEC", Integer.toString(Math.max(50, KEYS / 2)));
            f.start();
            List<String> owners = f.insertOwners(KEYS);
            long teachers =
                    owners.stream().filter(o -> o.startsWith("teacher:")).count();
            await().atMost(Duration.ofMinutes(5)).until(() -> f.activeKeys() == KEYS);
            f.stop();
            String guardrail = f.simulator.addGuardrail("schools", null, List.of());
            f.env.put("OR_TEACHER_LIMIT", "75");
            f.env.put("OR_ORG_GUARDRAIL_ID", guardrail);
            assertThat(outOfStep(f)).as("status before the restart").isEqualTo(KEYS);
            long patchesBefore = f.simulator.count("PATCH", "/api/v1/keys/");
            long createsBefore = f.simulator.count("POST", "/api/v1/keys");

            long start = System.nanoTime();
            f.start();
            await().atMost(Duration.ofMinutes(10))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> outOfStep(f) == 0);
            long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();

            long patches = f.simulator.count("PATCH", "/api/v1/keys/") - patchesBefore;
            long assignments = f.simulator.count("POST", "/api/v1/guardrails/");
            long creates = f.simulator.count("POST", "/api/v1/keys") - createsBefore;
            System.out.printf(
                    "settings roll-out: %d keys in step %d ms after the restart; %d PATCH /keys/{hash},"
                            + " %d assignments, %d POST /keys%n",
                    KEYS, tookMs, patches, assignments, creates);
            assertThat(patches).as("one PATCH per teacher key").isEqualTo(teachers);
            assertThat(assignments).as("one assignment per organization key").isEqualTo(KEYS - teachers);
            assertThat(creates).as("new keys").isZero();
            assertThat(f.simulator.liveKeys())
                    .filteredOn(k -> k.name().startsWith("teacher:"))
                    .allSatisfy(k -> assertThat(k.limit()).isEqualByComparingTo("75"));
            assertThat(f.simulator.liveKeys())
                    .filteredOn(k -> k.name().startsWith("organization:"))
                    .allSatisfy(k ->
                            assertThat(f.simulator.guardrailOfKey(k.hash())).hasValue(guardrail));
        }
    }

    private static long outOfStep(PipelineFixture f) throws Exception {
        PipelineFixture.CliRun run = f.cli("status", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode doc = Json.MAPPER.readTree(run.out());
        return doc.get("keys_out_of_step").asLong();
    }

    private static String storedGuardrail(PipelineFixture f, String hash) throws Exception {
        try (var c = f.infra.connect();
                var ps = c.prepareStatement(
                        "select guardrail_id from " + f.schema + ".v_ai_provider_keys_public where key_hash = ?")) {
            ps.setString(1, hash);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> forOwner(
            List<ConsumerRecord<byte[], byte[]>> records, String owner) {
        return records.stream()
                .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(owner))
                .toList();
    }
}
