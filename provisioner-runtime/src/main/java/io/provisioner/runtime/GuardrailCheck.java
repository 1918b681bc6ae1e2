package io.provisioner.runtime;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.ProvisionerConfig.Limits;
import io.provisioner.core.config.Setting;
import io.provisioner.core.errors.CredentialsException;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.ports.KeysApi;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, asks OpenRouter for each guardrail the settings name ({@code OR_ORG_GUARDRAIL_ID},
 * {@code OR_TEACHER_GUARDRAIL_ID}): one it does not have is a configuration error naming the setting
 * (exit 2), before any key is created without it. A failure that says nothing about the guardrail (OpenRouter
 * unreachable, 5xx, a rejected management key) is logged and start-up goes on: the first assignment then
 * fails and is retried, and a rejected key pauses processing through the credentials gate as it does
 * without a guardrail.
 */
final class GuardrailCheck {
    private static final Logger LOG = LoggerFactory.getLogger(GuardrailCheck.class);

    private GuardrailCheck() {}

    /** @throws ConfigException naming the setting of a guardrail OpenRouter answers 404 for */
    static void requireKnown(KeysApi api, Limits limits) {
        for (Map.Entry<Setting, String> e : limits.guardrailSettings().entrySet()) {
            boolean exists;
            try {
                exists = api.guardrailExists(e.getValue());
            } catch (CredentialsException credentials) {
                // as without a guardrail: the credentials gate pauses processing until the key is accepted,
                // rather than exit 1 and a restart loop (CONTRACT section 7)
                LOG.warn(
                        "could not check guardrail {} of {}: the management key was rejected ({}); processing"
                                + " pauses until it is accepted",
                        e.getValue(),
                        e.getKey().env(),
                        credentials.getMessage());
                continue;
            } catch (ProvisioningException unsettled) {
                LOG.warn(
                        "could not check guardrail {} of {}: {}",
                        e.getValue(),
                        e.getKey().env(),
                        unsettled.getMessage());
                continue;
            }
            if (!exists) {
                throw new ConfigException(
                        e.getKey().env(),
                        "names guardrail " + e.getValue()
                                + ", which OpenRouter does not have (GET /guardrails/{id} answered 404)");
            }
        }
    }
}
