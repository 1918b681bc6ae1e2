package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.secret.Secret;
import io.provisioner.openrouter.CallListener;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.TestServices;
import io.provisioner.stream.internals.LeftoverKeys;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What one ambiguous create costs in an account that holds many other keys: the service over the real
 * client and the simulator (HTTP on loopback), the database side in memory.
 */
class CleanUpCostTest {

    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");

    private final OpenRouterSimulator simulator = OpenRouterSimulator.start();
    private final OpenRouterClient client = new OpenRouterClient(
            URI.create(simulator.baseUrl()),
            new Secret(simulator.managementKey()),
            Duration.ofSeconds(5),
            CallListener.NONE,
            Clock.systemUTC());
    private final InMemoryKeyStore store = new InMemoryKeyStore().addOwner(TEACHER);

    @AfterEach
    void stop() {
        client.close();
        simulator.close();
    }

    @Test
    void oneAmbiguousCreateAmongThirtyThousandOtherKeysCostsAtMostThreeExtraCalls() {
        simulator.seedKeys(30_000, "teacher:other-", Instant.now().minus(Duration.ofDays(7)));
        ProvisioningService service = service();
        ProvisionRequest request = ProvisionRequest.of(
                TEACHER, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.teachers", 1L, 0L), null);
        simulator.enqueueCreateFaults(Fault.createThenUnavailable());
        assertThatThrownBy(() -> service.handle(request, 1)).isInstanceOf(RetryableException.class);
        int before = simulator.requests().size();

        service.handle(request, 2);

        int calls = simulator.requests().size() - before;
        System.out.printf(
                "clean-up of one ambiguous create among 30,000 keys: %d calls (1 of them the create)%n", calls);
        assertThat(calls - 1).as("calls besides the create").isLessThanOrEqualTo(3);
        assertThat(simulator.liveKeysNamed(TEACHER.key())).singleElement().satisfies(k -> assertThat(k.hash())
                .isEqualTo(store.activeKey(TEACHER).orElseThrow().hash()));
        assertThat(simulator.liveKeys()).hasSize(30_001);
    }

    @Test
    void leftoverSearchLongerThanItsPagesCreatesNothingAndLeavesTheIntentToTheSweep() {
        ProvisioningService service = service();
        ProvisionRequest request = ProvisionRequest.of(
                TEACHER, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.teachers", 1L, 0L), null);
        simulator.enqueueCreateFaults(Fault.createThenUnavailable());
        assertThatThrownBy(() -> service.handle(request, 1)).isInstanceOf(RetryableException.class);
        String leftover = simulator.liveKeysNamed(TEACHER.key()).get(0).hash();
        // a dlt replay days later: many keys were created since the unknown create
        simulator.seedKeys(2_000, "teacher:later-", Instant.now());
        int before = simulator.requests().size();

        assertThatThrownBy(() -> service.handle(request, 2))
                .isInstanceOf(RetryableException.class)
                .hasMessageContaining("orphan sweep");

        int calls = simulator.requests().size() - before;
        System.out.printf("leftover search after 2,000 later keys, in the stream thread: %d calls%n", calls);
        assertThat(calls).as("pages read in the stream thread").isEqualTo(LeftoverKeys.MAX_PAGES);
        assertThat(simulator.count("POST", "/api/v1/keys")).as("creates").isEqualTo(1);
        assertThat(simulator.liveKeysNamed(TEACHER.key()))
                .extracting(k -> k.hash())
                .containsExactly(leftover);
        assertThat(store.activeKey(TEACHER)).isEmpty();
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.inFlightSince()).isNotNull());
    }

    private ProvisioningService service() {
        return TestServices.service(client, store, Map.of());
    }
}
