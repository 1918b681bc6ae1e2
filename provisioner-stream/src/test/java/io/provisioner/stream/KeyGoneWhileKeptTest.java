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
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A stored key that answers 404 while it is being kept (PATCH, guardrail assignment) is not a reason to
 * dead-letter its owner, and a guardrail deleted meanwhile is no reason to fail its unassignment. Fakes.
 */
class KeyGoneWhileKeptTest {

    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");
    private static final String SCHOOL = "550e8400-e29b-41d4-a716-446655440000";
    private static final ProvisionRequest REQUEST = ProvisionRequest.of(
            TEACHER, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.teachers", 1L, 0L), Instant.EPOCH);
    /** Not what the owner type's setting says: keeping the key PATCHes it. */
    private static final KeyLimits OLD = new KeyLimits(new BigDecimal("0.01"), LimitReset.MONTHLY);

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore().addOwner(TEACHER);
    private final ApiKey k1 = api.seed(TEACHER.key(), OLD);

    @Test
    void aPatchOfAKeyRotatedMeanwhileIsRetriedAndTheNextAttemptUpdatesTheNewKey() {
        ProvisioningService service = service(Map.of());
        store.seedKey(TEACHER, k1, OLD);
        api.beforeNextUpdate(this::rotate);

        assertThatThrownBy(() -> service.handle(REQUEST, 1))
                .isInstanceOf(RetryableException.class)
                .hasMessageContaining("replaced");

        String k2 = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(service.handle(REQUEST, 2)).isInstanceOf(Outcome.Updated.class);
        assertThat(api.keys()).singleElement().satisfies(k -> {
            assertThat(k.hash()).isEqualTo(k2);
            assertThat(new KeyLimits(k.limit(), k.limitReset()).sameAs(OLD)).isFalse();
        });
    }

    @Test
    void anAssignmentOfAKeyRotatedMeanwhileIsRetriedAndTheNextAttemptAssignsTheNewKey() {
        ProvisioningService service = service(Map.of("OR_TEACHER_GUARDRAIL_ID", SCHOOL));
        api.addGuardrail(SCHOOL);
        store.seedKey(TEACHER, k1, OLD).afterNextLoad(this::rotate);

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);

        String k2 = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(service.handle(REQUEST, 2)).isInstanceOf(Outcome.Updated.class);
        assertThat(api.guardrailOf(k2)).hasValue(SCHOOL);
        assertThat(store.activeKey(TEACHER).orElseThrow().guardrailId()).isEqualTo(SCHOOL);
    }

    @Test
    void aStoredKeyGoneFromOpenRouterIsMarkedLostAndReplacedNotDeadLettered() {
        ProvisioningService service = service(Map.of());
        store.seedKey(TEACHER, k1, OLD);
        api.delete(k1.hash());

        assertThatThrownBy(() -> service.handle(REQUEST, 1))
                .isInstanceOf(RetryableException.class)
                .hasMessageContaining("no longer exists");

        assertThat(service.handle(REQUEST, 2)).isInstanceOf(Outcome.Created.class);
        assertThat(store.revokedHashes()).contains(k1.hash());
        assertThat(api.keysNamed(TEACHER.key()))
                .singleElement()
                .extracting(ApiKey::hash)
                .isEqualTo(store.activeKey(TEACHER).orElseThrow().hash());
    }

    @Test
    void unassigningFromAGuardrailThatWasDeletedIsDone() {
        api.addGuardrail(SCHOOL);
        store.seedKey(TEACHER, k1, OLD);
        api.assignGuardrail(SCHOOL, java.util.List.of(k1.hash()));
        store.saveGuardrail(TEACHER, k1.hash(), SCHOOL);
        api.removeGuardrail(SCHOOL);

        assertThat(service(Map.of()).handle(REQUEST, 1)).isInstanceOf(Outcome.Updated.class);

        assertThat(store.activeKey(TEACHER).orElseThrow().guardrailId()).isNull();
    }

    @Test
    void anAssignmentThatAssignedNothingIsRetriedAndNotRecorded() {
        ProvisioningService service = service(Map.of("OR_TEACHER_GUARDRAIL_ID", SCHOOL));
        api.addGuardrail(SCHOOL).assignNothingNext();
        store.seedKey(TEACHER, k1, OLD);

        assertThatThrownBy(() -> service.handle(REQUEST, 1))
                .isInstanceOf(RetryableException.class)
                .hasMessageContaining("assigned_count 0");

        assertThat(store.activeKey(TEACHER).orElseThrow().guardrailId()).isNull();
        assertThat(service.handle(REQUEST, 2)).isInstanceOf(Outcome.Updated.class);
        assertThat(api.guardrailOf(k1.hash())).hasValue(SCHOOL);
    }

    /** What {@code rotate-keys} does: stores a new key K2, then deletes K1. */
    private void rotate() {
        ApiKey k2 = api.seed(TEACHER.key(), OLD);
        store.seedKey(TEACHER, k2, OLD);
        api.delete(k1.hash());
    }

    private ProvisioningService service(Map<String, String> env) {
        return TestServices.service(api, store, env);
    }
}
