package io.provisioner.core.config;

import io.provisioner.core.secret.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** How to reach OpenRouter's management API. */
public record OpenRouterConfig(Optional<Secret> managementKey, URI baseUrl, Duration callTimeout) {

    static OpenRouterConfig from(Parse p) {
        String base = p.required(Settings.OPENROUTER_BASE_URL); // an http(s) URL: its validator says so
        return new OpenRouterConfig(
                p.secret(Settings.OPENROUTER_PROVISIONING_KEY),
                URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base),
                Duration.ofMillis(p.integer(Settings.OR_HTTP_TIMEOUT_MS)));
    }

    public Secret requireKey() {
        return managementKey.orElseThrow(() -> new ConfigException(
                Settings.OPENROUTER_PROVISIONING_KEY.env(), "is required by the provisioner but not set"));
    }
}
