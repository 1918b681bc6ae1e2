package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.FatalException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.TestServices;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The guardrail of the owner type's setting, with fakes: assigned before the key is stored, or no key. */
class GuardrailAssignmentTest {

    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");
    private static final String SCHOOL = "550e8400-e29b-41d4-a716-446655440000";
    private static final ProvisionRequest REQUEST = ProvisionRequest.of(
            TEACHER, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.teachers", 1L, 0L), Instant.EPOCH);

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore().addOwner(TEACHER);
    private final ProvisioningService service = service(Map.of("OR_TEACHER_GUARDRAIL_ID", SCHOOL));

    @Test
    void aNewKeyIsInItsGuardrailBeforeItIsStored() {
        api.addGuardrail(SCHOOL);
        AtomicReference<Optional<String>> atSave = new AtomicReference<>();
        store.beforeNextSave(() ->
                atSave.set(api.guardrailOf(api.keysNamed(TEACHER.key()).get(0).hash())));

        Outcome outcome = service.handle(REQUEST, 1);

        assertThat(outcome).isInstanceOf(Outcome.Created.class);
        assertThat(atSave.get()).hasValue(SCHOOL);
        assertThat(store.activeKey(TEACHER).orElseThrow().guardrailId()).isEqualTo(SCHOOL);
    }

    @Test
    void aGuardrailThatCannotBeAssignedLeavesNoKeyAndIsFatalNamingIt() {
        // no guardrail on the fake: assigning answers 404

        assertThatThrownBy(() -> service.handle(REQUEST, 1))
                .isInstanceOf(FatalException.class)
                .hasMessageContaining("guardrail " + SCHOOL)
                .hasMessageContaining("404");

        assertThat(api.keysNamed(TEACHER.key())).as("the fresh key is deleted").isEmpty();
        assertThat(store.activeKey(TEACHER)).isEmpty();
    }

    @Test
    void aStoredKeyOutsideItsGuardrailIsAssignedWithoutANewKey() {
        service(Map.of()).handle(REQUEST, 1);
        api.addGuardrail(SCHOOL);
        String hash = store.activeKey(TEACHER).orElseThrow().hash();

        Outcome outcome = service.handle(REQUEST, 1);

        assertThat(outcome).isInstanceOf(Outcome.Updated.class);
        assertThat(api.guardrailOf(hash)).hasValue(SCHOOL);
        assertThat(api.callsOf("POST /keys")).isEqualTo(1);
        assertThat(api.callsOf("PATCH")).isZero();
        assertThat(service.handle(REQUEST, 1)).as("in step now").isInstanceOf(Outcome.Unchanged.class);
    }

    private ProvisioningService service(Map<String, String> env) {
        return TestServices.service(api, store, env);
    }
}
