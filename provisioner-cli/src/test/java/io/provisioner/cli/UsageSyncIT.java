package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.runtime.Components;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Spend on OpenRouter (the simulator, over a socket) appears in {@code ai_provider_keys} and in
 * {@code v_ai_provider_keys_public} after a usage sync of a running pipeline, with aggregate gauges: the
 * keys near their limit per owner type, the dollars spent, and the calls a sync took.
 */
@ExtendWith(SharedInfra.class)
class UsageSyncIT {

    @Test
    void spendOnOpenRouterAppearsInTheKeysTableThePublicViewAndTheGauges(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_USAGE_SYNC_INTERVAL", "1s");
            // keys of another pipeline on the same account: the sync pages through them too
            f.simulator.seedKeys(250, "elsewhere:", Instant.now().minus(Duration.ofDays(1)));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            f.start(EnumSet.allOf(Components.class), registry);
            String spender = f.insertTeacher();
            String saver = f.insertTeacher();
            await().atMost(Duration.ofMinutes(1)).until(() -> f.activeKeys() == 2);
            SimKey spenderKey = f.simulator.liveKeysNamed(spender).get(0);
            SimKey saverKey = f.simulator.liveKeysNamed(saver).get(0);

            // OR_TEACHER_LIMIT 50 a day: 45 is 90 % of it
            f.simulator.spend(spenderKey.hash(), new BigDecimal("45"));
            f.simulator.spend(saverKey.hash(), new BigDecimal("1.5"));

            await().atMost(Duration.ofMinutes(1))
                    .until(() -> dailyInView(f, spenderKey.hash()) != null
                            && dailyInView(f, spenderKey.hash()).compareTo(new BigDecimal("45")) == 0);
            assertThat(dailyInView(f, saverKey.hash())).isEqualByComparingTo("1.5");
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where usage_total = 45"
                            + " and usage_weekly = 45 and usage_monthly = 45 and usage_synced_at is not null"))
                    .isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(gauge(registry, "provisioner.keys.near.limit", "owner_type", "teacher"))
                        .isEqualTo(1);
                assertThat(gauge(registry, "provisioner.keys.near.limit", "owner_type", "organization"))
                        .isZero();
                assertThat(gauge(registry, "provisioner.usage.dollars", "period", "daily"))
                        .isEqualTo(46.5);
            });
            // 252 keys on the account: pages of 100, so three calls a sync (floor(252 / 100) + 1), and one
            // page of guardrail assignments (none)
            double calls = gauge(registry, "provisioner.usage.sync.calls", null, null);
            assertThat(calls).isEqualTo(4);
            assertThat(gauge(registry, "provisioner.usage.synced.keys", null, null))
                    .isEqualTo(2);
            System.out.printf("usage sync: %.0f calls for 252 keys and no assignment on the account%n", calls);
        }
    }

    /**
     * An operator raises a key's limit and takes it out of its guardrail by hand on OpenRouter (or an
     * update's outcome was never recorded): the database still says the policy, so only what the sync reads
     * back shows the drift, and the policy sweep sets the key back, with a PATCH, an assignment and no new key.
     */
    @Test
    void aLimitAndAnAssignmentChangedByHandOnOpenRouterAreSetBackToThePolicy(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            String school = f.simulator.addGuardrail("school", null, List.of());
            f.env.put("OR_TEACHER_GUARDRAIL_ID", school);
            f.env.put("PROVISIONER_USAGE_SYNC_INTERVAL", "1s");
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.start(EnumSet.allOf(Components.class), new SimpleMeterRegistry());
            String teacher = f.insertTeacher();
            await().atMost(Duration.ofMinutes(1)).until(() -> f.activeKeys() == 1);
            SimKey key = f.simulator.liveKeysNamed(teacher).get(0);
            BigDecimal policy = key.limit();
            assertThat(f.simulator.guardrailOfKey(key.hash())).hasValue(school);

            assertThat(byHand(f, "PATCH", "/keys/" + key.hash(), "{\"limit\": 1000, \"limit_reset\": null}"))
                    .isEqualTo(200);
            assertThat(byHand(
                            f,
                            "POST",
                            "/guardrails/" + school + "/assignments/keys/remove",
                            "{\"key_hashes\": [\"" + key.hash() + "\"]}"))
                    .isEqualTo(200);
            assertThat(f.simulator.key(key.hash()).orElseThrow().limit()).isEqualByComparingTo("1000");
            assertThat(f.simulator.guardrailOfKey(key.hash())).isEmpty();

            await().atMost(Duration.ofMinutes(1))
                    .until(() ->
                            f.simulator.key(key.hash()).orElseThrow().limit().compareTo(policy) == 0
                                    && f.simulator.guardrailOfKey(key.hash()).isPresent());
            assertThat(f.simulator.key(key.hash()).orElseThrow().limitReset()).isEqualTo(key.limitReset());
            assertThat(f.simulator.guardrailOfKey(key.hash())).hasValue(school);
            assertThat(f.simulator.liveKeysNamed(teacher))
                    .singleElement()
                    .extracting(SimKey::hash)
                    .isEqualTo(key.hash());
            assertThat(f.simulator.count("POST", "/api/v1/keys")).isEqualTo(1);
        }
    }

    /** A call made with the management key, as an operator would with curl; answers the status. */
    private static int byHand(PipelineFixture f, String method, String path, String json) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(f.simulator.baseUrl() + path))
                                .header("Authorization", "Bearer " + f.simulator.managementKey())
                                .header("Content-Type", "application/json")
                                .method(method, HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static BigDecimal dailyInView(PipelineFixture f, String hash) throws Exception {
        try (Connection c = f.infra.connect();
                PreparedStatement ps = c.prepareStatement(
                        "select usage_daily from " + f.schema + ".v_ai_provider_keys_public where key_hash = ?")) {
            ps.setString(1, hash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBigDecimal(1) : null;
            }
        }
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String tag, String value) {
        var search = registry.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        return search.gauge().value();
    }
}
