package io.provisioner.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.secret.Secret;
import io.provisioner.simulator.OpenRouterSimulator;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's guardrail calls against a fresh simulator per test, over real HTTP on loopback. */
class GuardrailCallsTest {
    private OpenRouterSimulator simulator;
    private OpenRouterClient client;

    @BeforeEach
    void start() {
        simulator = OpenRouterSimulator.start();
        client = new OpenRouterClient(
                URI.create(simulator.baseUrl()),
                new Secret(simulator.managementKey()),
                Duration.ofSeconds(5),
                CallListener.NONE,
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        client.close();
        simulator.close();
    }

    @Test
    void guardrailExistsOnlyWhenOpenRouterHasIt() {
        String id = simulator.addGuardrail("school", BigDecimal.TEN, List.of("openai/gpt-4o-mini"));

        assertThat(client.guardrailExists(id)).isTrue();
        assertThat(client.guardrailExists("550e8400-e29b-41d4-a716-446655440000"))
                .isFalse();
    }

    @Test
    void listKeyAssignmentsPagesThroughEveryAssignmentOfTheAccount() {
        String school = simulator.addGuardrail("school", null, List.of());
        String club = simulator.addGuardrail("club", null, List.of());
        List<String> hashes = new java.util.ArrayList<>();
        for (int i = 0; i < 150; i++) {
            hashes.add(simulator.addKey("teacher:" + i, BigDecimal.ONE, "daily").hash());
        }
        client.assignGuardrail(school, hashes.subList(0, 120));
        client.assignGuardrail(club, hashes.subList(120, 130));

        List<io.provisioner.core.ports.KeyAssignment> first = client.listKeyAssignments(0);
        List<io.provisioner.core.ports.KeyAssignment> second = client.listKeyAssignments(100);

        assertThat(first).hasSize(100);
        assertThat(second).hasSize(30);
        java.util.Map<String, String> all = new java.util.HashMap<>();
        first.forEach(a -> all.put(a.keyHash(), a.guardrailId()));
        second.forEach(a -> all.put(a.keyHash(), a.guardrailId()));
        assertThat(all).hasSize(130).containsEntry(hashes.get(0), school).containsEntry(hashes.get(125), club);
        assertThat(all).doesNotContainKey(hashes.get(140));
    }

    @Test
    void assignPutsTheKeysUnderTheGuardrailAndUnassignTakesThemOut() {
        String id = simulator.addGuardrail("school", null, List.of());
        String a = simulator.addKey("teacher:1", BigDecimal.ONE, "daily").hash();
        String b = simulator.addKey("teacher:2", BigDecimal.ONE, "daily").hash();

        assertThat(client.assignGuardrail(id, List.of(a, b))).isEqualTo(2);
        assertThat(simulator.guardrailOfKey(a)).hasValue(id);
        assertThat(client.unassignGuardrail(id, List.of(a))).isEqualTo(1);

        assertThat(simulator.guardrailOfKey(a)).isEmpty();
        assertThat(simulator.guardrailOfKey(b)).hasValue(id);
        assertThat(simulator.count("POST", "/api/v1/guardrails/" + id + "/assignments/keys"))
                .isEqualTo(2);
    }

    @Test
    void assigningToAnUnknownGuardrailIsFatalNamingTheCall() {
        String a = simulator.addKey("teacher:1", null, null).hash();

        assertThatThrownBy(() -> client.assignGuardrail("550e8400-e29b-41d4-a716-446655440000", List.of(a)))
                .isInstanceOf(FatalException.class)
                .hasMessageContaining("POST /guardrails/{id}/assignments/keys answered 404");
    }

    @Test
    void aRateLimitedAssignIsRetryableAndAssignsNothing() {
        String id = simulator.addGuardrail("school", null, List.of());
        String a = simulator.addKey("teacher:1", null, null).hash();
        simulator.allowRate(0.001);
        client.guardrailExists(id); // takes the one call the window admits

        assertThatThrownBy(() -> client.assignGuardrail(id, List.of(a))).isInstanceOf(RetryableException.class);
        assertThat(simulator.guardrailOfKey(a)).isEmpty();
    }
}
