package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.TestServices;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An update of a stored key (its PATCH) is fenced like a create: it holds the owner's intent while its
 * call is out, and an outcome it cannot know is settled by reading the key back. Fakes.
 */
class UpdateFenceTest {

    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");
    private static final ProvisionRequest REQUEST = ProvisionRequest.of(
            TEACHER, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.teachers", 1L, 0L), Instant.EPOCH);
    /** Not what the owner type's setting says: keeping the key PATCHes it. */
    private static final KeyLimits OLD = new KeyLimits(new BigDecimal("0.01"), LimitReset.MONTHLY);

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore().addOwner(TEACHER);
    private final ApiKey k1 = api.seed(TEACHER.key(), OLD);
    private final ProvisioningService service = TestServices.service(api, store, Map.of());

    @Test
    void aPatchAnswered503LeavesTheIntentAndTheNextAttemptReadsTheKeyBack() {
        store.seedKey(TEACHER, k1, OLD);
        api.failNext(FakeKeysApi.Op.UPDATE, FakeKeysApi.http(503, null));

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNotNull();

        assertThat(service.handle(REQUEST, 2)).isInstanceOf(Outcome.Updated.class);
        assertThat(api.calls()).contains("GET /keys/" + k1.hash());
        KeyLimits live = api.get(k1.hash()).orElseThrow().limits();
        assertThat(live.sameAs(OLD)).isFalse();
        assertThat(store.activeKey(TEACHER).orElseThrow().limits().sameAs(live)).isTrue();
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
        assertThat(api.keys()).singleElement().extracting(ApiKey::hash).isEqualTo(k1.hash());
    }

    @Test
    void aPatchTheServerRefusedClearsTheIntent() {
        store.seedKey(TEACHER, k1, OLD);
        api.failNext(FakeKeysApi.Op.UPDATE, FakeKeysApi.http(429, Duration.ofSeconds(1)));

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);

        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
        assertThat(store.activeKey(TEACHER).orElseThrow().limits().sameAs(OLD)).isTrue();
    }

    @Test
    void aRefusedPatchAfterATakeOverKeepsTheCueToReadTheKeyBack() {
        store.seedKey(TEACHER, k1, OLD);
        assertThat(service.handle(REQUEST, 1)).isInstanceOf(Outcome.Updated.class);
        KeyLimits policy = store.activeKey(TEACHER).orElseThrow().limits();
        api.updateLimits(k1.hash(), OLD);
        store.unsettleUpdate(TEACHER, 2, k1.hash());
        api.failNext(FakeKeysApi.Op.UPDATE, FakeKeysApi.http(429, Duration.ofSeconds(1)));

        assertThatThrownBy(() -> service.handle(REQUEST, 3)).isInstanceOf(RetryableException.class);
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNotNull();

        assertThat(service.handle(REQUEST, 4)).isInstanceOf(Outcome.Updated.class);
        assertThat(api.get(k1.hash()).orElseThrow().limits().sameAs(policy)).isTrue();
    }

    @Test
    void aKeyWhoseRowAgreesWithThePolicyButNotWithOpenRouterIsSetAfterAnUnknownUpdate() {
        // the row says the policy's limits; a worker killed after its PATCH left other ones on OpenRouter
        store.seedKey(TEACHER, k1, OLD);
        assertThat(service.handle(REQUEST, 1)).isInstanceOf(Outcome.Updated.class);
        KeyLimits policy = store.activeKey(TEACHER).orElseThrow().limits();
        api.updateLimits(k1.hash(), OLD);
        store.unsettleUpdate(TEACHER, 2, k1.hash());

        assertThat(service.handle(REQUEST, 3)).isInstanceOf(Outcome.Updated.class);

        assertThat(api.get(k1.hash()).orElseThrow().limits().sameAs(policy)).isTrue();
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
    }
}
