package io.provisioner.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** How to reach OpenRouter's management API. */
public record OpenRouterConfig(Optional<Secret> managementKey, URI baseUrl, Duration callTimeout) {

    static OpenRouterConfig from(Parse p) {
        String base = p.required(Settings.OPENROUTER_BASE_URL);
        URI uri;
        try {
            uri = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(Settings.OPENROUTER_BASE_URL.env(), "is not a valid URL");
        }
        if (uri.getScheme() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new ConfigException(Settings.OPENROUTER_BASE_URL.env(), "must be an http(s) URL, was '" + base + "'");
        }
        return new OpenRouterConfig(
                p.secret(Settings.OPENROUTER_PROVISIONING_KEY),
                uri,
                Duration.ofMillis(p.intIn(Settings.OR_HTTP_TIMEOUT_MS, 100, 600_000)));
    }

    public Secret requireKey() {
        return managementKey.orElseThrow(() -> new ConfigException(
                Settings.OPENROUTER_PROVISIONING_KEY.env(), "is required by the provisioner but not set"));
    }
}
