package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.events.Json;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.SimKey;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code provisioner reconcile} against the simulator and a real Postgres, without a running pipeline:
 * its calls share the pipeline's rate, it looks only at its own prefix, and a name that names no valid
 * owner does not stop {@code --fix}.
 */
@ExtendWith(SharedInfra.class)
class ReconcileIT {

    @Test
    void reconcileTakesATenthOfTheRateAndNeverMoreThanTheRatePlusOne(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_PER_SEC", "5");
            assertThat(f.cli("migrate").exit()).isZero();
            for (int i = 0; i < 2 * 100 + 10; i++) { // three pages of GET /keys
                f.simulator.addKey("teacher:" + UUID.randomUUID(), new BigDecimal("50"), "daily");
            }

            PipelineFixture.CliRun run = f.cli("reconcile", "--json");

            assertThat(run.exit()).as(run.err()).isEqualTo(ProvisionerCli.FAILURE);
            assertThat(Json.MAPPER.readTree(run.out()).get("orphans")).hasSize(210);
            List<Instant> calls =
                    f.simulator.requests().stream().map(SimRequest::at).toList();
            assertThat(calls).hasSizeGreaterThanOrEqualTo(3);
            System.out.printf(
                    "reconcile at OR_RATE_PER_SEC=5: %d calls in %d ms%n",
                    calls.size(),
                    Duration.between(calls.get(0), calls.get(calls.size() - 1)).toMillis());
            // a tenth of 5/s: one call every 2 s, the other 90 % of the permits left to provisioning
            for (int i = 0; i + 1 < calls.size(); i++) {
                assertThat(Duration.between(calls.get(i), calls.get(i + 1)))
                        .as("calls %d and %d of %s", i, i + 1, calls)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1_950));
            }
        }
    }

    @Test
    void fixSkipsANameOfNoValidOwnerAndFixesTheRest(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            assertThat(f.cli("migrate").exit()).isZero();
            SimKey invalid = f.simulator.addKey("organization: ", new BigDecimal("200"), "daily");
            SimKey orphan = f.simulator.addKey("teacher:" + UUID.randomUUID(), new BigDecimal("50"), "daily");

            PipelineFixture.CliRun fix = f.cli("reconcile", "--fix", "--grace", "0s");

            assertThat(fix.exit()).as(fix.err()).isZero();
            assertThat(fix.out()).contains("1 orphan(s) deleted", "organization: ", "left alone");
            assertThat(f.simulator.deletedKeys()).extracting(SimKey::hash).containsExactly(orphan.hash());
            assertThat(f.simulator.key(invalid.hash())).isPresent();
        }
    }

    /** A DELETE that OpenRouter carried out but answered 502 is read back, and the repair goes on. */
    @Test
    void fixSettlesADeleteCarriedOutButAnswered502AndFixesTheRest(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            assertThat(f.cli("migrate").exit()).isZero();
            SimKey first = f.simulator.addKey("teacher:" + UUID.randomUUID(), new BigDecimal("50"), "daily");
            SimKey second = f.simulator.addKey("teacher:" + UUID.randomUUID(), new BigDecimal("50"), "daily");
            f.simulator.enqueueDeleteFaults(Fault.actThenStatus(502));

            PipelineFixture.CliRun fix = f.cli("reconcile", "--fix", "--grace", "0s");

            assertThat(fix.exit()).as(fix.err()).isZero();
            assertThat(fix.out()).contains("2 orphan(s) deleted");
            assertThat(f.simulator.liveKeys()).extracting(SimKey::hash).doesNotContain(first.hash(), second.hash());
        }
    }

    @Test
    void reconcileWithPrefixIgnoresKeysOfAnotherPrefix(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_KEY_NAME_PREFIX", "a/");
            assertThat(f.cli("migrate").exit()).isZero();
            SimKey other = f.simulator.addKey("b/organization:1", new BigDecimal("200"), "daily");
            SimKey unprefixed = f.simulator.addKey("organization:1", new BigDecimal("200"), "daily");
            SimKey ours = f.simulator.addKey("a/organization:1", new BigDecimal("200"), "daily");

            PipelineFixture.CliRun report = f.cli("reconcile", "--json");
            JsonNode json = Json.MAPPER.readTree(report.out());
            assertThat(json.get("keys_on_openrouter").asInt()).isEqualTo(1);
            assertThat(json.get("orphans").findValuesAsText("hash")).containsExactly(ours.hash());

            PipelineFixture.CliRun fix = f.cli("reconcile", "--fix", "--grace", "0s");
            assertThat(fix.exit()).as(fix.err()).isZero();
            assertThat(f.simulator.deletedKeys()).extracting(SimKey::hash).containsExactly(ours.hash());
            assertThat(f.simulator.liveKeys()).extracting(SimKey::hash).contains(other.hash(), unprefixed.hash());
        }
    }
}
