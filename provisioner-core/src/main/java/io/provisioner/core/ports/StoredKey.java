package io.provisioner.core.ports;

import java.time.Instant;

/** The active row of {@code ai_provider_keys} for an owner, without its encrypted secret. */
public record StoredKey(String hash, String name, KeyLimits limits, Instant createdAt) {}
