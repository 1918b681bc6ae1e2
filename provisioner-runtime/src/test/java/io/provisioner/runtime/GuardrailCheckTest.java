package io.provisioner.runtime;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeysApi;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The start-up check of the guardrail settings: only an unknown guardrail stops the start (exit 2). */
class GuardrailCheckTest {

    private static final String SCHOOL = "550e8400-e29b-41d4-a716-446655440000";
    private static final ProvisionerConfig.Limits LIMITS = ProvisionerConfig.from(
                    ConfigSource.load(Map.of("OR_TEACHER_GUARDRAIL_ID", SCHOOL), Optional.empty()))
            .limits();

    @Test
    void aRejectedManagementKeyDoesNotStopTheStart() {
        for (int status : new int[] {401, 403}) {
            KeysApi rejecting = api(id -> {
                throw ErrorClassifier.http("GET /guardrails/{id}", status, "invalid key", null);
            });

            assertThatCode(() -> GuardrailCheck.requireKnown(rejecting, LIMITS))
                    .as("the credentials gate pauses processing, as without a guardrail")
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void anUnknownGuardrailIsAConfigurationErrorNamingTheSetting() {
        assertThatThrownBy(() -> GuardrailCheck.requireKnown(api(id -> false), LIMITS))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("OR_TEACHER_GUARDRAIL_ID");
    }

    private static KeysApi api(Function<String, Boolean> guardrailExists) {
        return new KeysApi() {
            @Override
            public boolean guardrailExists(String guardrailId) {
                return guardrailExists.apply(guardrailId);
            }

            @Override
            public void verifyCredentials() {
                throw new UnsupportedOperationException();
            }

            @Override
            public CreatedKey create(String name, KeyLimits limits) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<ApiKey> get(String hash) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<ApiKey> list(int offset, boolean includeDisabled) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ApiKey updateLimits(String hash, KeyLimits limits) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean delete(String hash) {
                throw new UnsupportedOperationException();
            }
        };
    }
}
