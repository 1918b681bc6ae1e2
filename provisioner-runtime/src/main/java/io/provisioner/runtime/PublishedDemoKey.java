package io.provisioner.runtime;

import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.Settings;
import io.provisioner.core.secret.Secret;
import java.util.Arrays;
import java.util.Base64;

/**
 * The encryption key that {@code docker/provisioner.env} publishes for the compose demo: anyone can decrypt
 * what is stored under it, so {@code provisioner run} accepts it only while it talks to the OpenRouter
 * simulator. "Talks to the simulator" means the management key is the simulator's
 * ({@code sim-management-key}): OpenRouter itself rejects that key, so no real key can ever be stored
 * under the published one, whatever {@code OPENROUTER_BASE_URL} says (the compose demo reaches the
 * simulator by a host name, not loopback).
 */
public final class PublishedDemoKey {

    /** The OpenRouter simulator's management key (the simulator is not in the runtime jar). */
    public static final String SIMULATOR_MANAGEMENT_KEY = "sim-management-key";

    public static final String ENCRYPTION_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private PublishedDemoKey() {}

    /** @throws ConfigException naming PROVISIONER_ENCRYPTION_KEY when it is the published key outside the demo */
    public static void refuseOutsideTheSimulator(ProvisionerConfig config) {
        boolean published =
                config.encryptionKey().map(PublishedDemoKey::isPublished).orElse(false);
        boolean simulator = config.openRouter()
                .managementKey()
                .map(k -> k.reveal().equals(SIMULATOR_MANAGEMENT_KEY))
                .orElse(false);
        if (published && !simulator) {
            throw new ConfigException(
                    Settings.PROVISIONER_ENCRYPTION_KEY.env(),
                    "is the demo's published key (docker/provisioner.env), which anyone can use to decrypt the"
                            + " stored keys; it is accepted only with the simulator's management key. Generate"
                            + " your own with `openssl rand -base64 32` and keep it secret");
        }
    }

    private static boolean isPublished(Secret key) {
        try {
            return Arrays.equals(
                    Base64.getDecoder().decode(key.reveal().trim()),
                    Base64.getDecoder().decode(ENCRYPTION_KEY));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
