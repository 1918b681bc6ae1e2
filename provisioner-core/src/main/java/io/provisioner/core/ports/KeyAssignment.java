package io.provisioner.core.ports;

/** One key's assignment to an OpenRouter guardrail, as {@code GET /guardrails/assignments/keys} lists it. */
public record KeyAssignment(String keyHash, String guardrailId) {}
