package io.provisioner.core.events;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A value on {@code <prefix>.results}. Never carries a secret: {@code key_hash} is OpenRouter's public
 * identifier of the key.
 *
 * @param status what the owner's key is now: {@code created}, {@code unchanged}, {@code updated},
 *     {@code revoked}, {@code retrying} or {@code dead}
 * @param latencyMs time from {@code requested_at} to this result, in milliseconds
 */
public record ProvisionResult(
        @JsonProperty("owner_type") String ownerType,
        @JsonProperty("owner_id") String ownerId,
        @JsonProperty("status") String status,
        @JsonProperty("key_hash") String keyHash,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("latency_ms") long latencyMs) {}
