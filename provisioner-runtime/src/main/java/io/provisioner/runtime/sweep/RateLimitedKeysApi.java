package io.provisioner.runtime.sweep;

import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyAssignment;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyUsage;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * {@link KeysApi} for the sweep and the operator commands: every call first takes a permit from the
 * pipeline's own {@link RateLimiter} (the shared bucket), so that together with the provisioner they
 * never exceed the configured rate. It takes at most {@code share} of the rate: after each call it
 * waits {@code 1 / (rate * share)} before asking for the next permit, so a full listing leaves the rest
 * of the permits to provisioning (the bucket hands out permits in the order they were asked for).
 * Thread-safe, but meant for one caller at a time.
 */
public final class RateLimitedKeysApi implements KeysApi {

    /** Longest wait for one permit before the call is given up. */
    static final Duration PERMIT_WAIT = Duration.ofMinutes(2);

    private final KeysApi api;
    private final RateLimiter limiter;
    private final long spacingNanos;
    private long nextCallNanos = System.nanoTime();

    /**
     * @param ratePerSecond the configured rate ({@code OR_RATE_PER_SEC} / {@code OR_DELAY_MS})
     * @param share the part of that rate this caller may use, in (0, 1]
     */
    public RateLimitedKeysApi(KeysApi api, RateLimiter limiter, double ratePerSecond, double share) {
        if (!(share > 0 && share <= 1) || !(ratePerSecond > 0)) {
            throw new IllegalArgumentException(
                    "share must be in (0, 1] and the rate positive, was " + share + " of " + ratePerSecond + "/s");
        }
        this.api = api;
        this.limiter = limiter;
        this.spacingNanos = (long) Math.ceil(1_000_000_000d / (ratePerSecond * share));
    }

    @Override
    public void verifyCredentials() {
        call("GET /key", () -> {
            api.verifyCredentials();
            return null;
        });
    }

    @Override
    public CreatedKey create(String name, KeyLimits limits) {
        return call("POST /keys", () -> api.create(name, limits));
    }

    @Override
    public Optional<ApiKey> get(String hash) {
        return call("GET /keys/{hash}", () -> api.get(hash));
    }

    @Override
    public List<ApiKey> list(int offset, boolean includeDisabled) {
        return call("GET /keys", () -> api.list(offset, includeDisabled));
    }

    @Override
    public List<KeyUsage> listUsage(int offset) {
        return call("GET /keys", () -> api.listUsage(offset));
    }

    @Override
    public List<KeyAssignment> listKeyAssignments(int offset) {
        return call("GET /guardrails/assignments/keys", () -> api.listKeyAssignments(offset));
    }

    @Override
    public ApiKey updateLimits(String hash, KeyLimits limits) {
        return call("PATCH /keys/{hash}", () -> api.updateLimits(hash, limits));
    }

    @Override
    public boolean delete(String hash) {
        return call("DELETE /keys/{hash}", () -> api.delete(hash));
    }

    @Override
    public boolean guardrailExists(String guardrailId) {
        return call("GET /guardrails/{id}", () -> api.guardrailExists(guardrailId));
    }

    @Override
    public int assignGuardrail(String guardrailId, List<String> keyHashes) {
        return call("POST /guardrails/{id}/assignments/keys", () -> api.assignGuardrail(guardrailId, keyHashes));
    }

    @Override
    public int unassignGuardrail(String guardrailId, List<String> keyHashes) {
        return call(
                "POST /guardrails/{id}/assignments/keys/remove", () -> api.unassignGuardrail(guardrailId, keyHashes));
    }

    private synchronized <T> T call(String operation, Supplier<T> call) {
        long wait = nextCallNanos - System.nanoTime();
        while (wait > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new RetryableException("interrupted before " + operation);
            }
            wait = nextCallNanos - System.nanoTime();
        }
        permit(operation);
        try {
            return call.get();
        } finally {
            nextCallNanos = System.nanoTime() + spacingNanos;
        }
    }

    private void permit(String operation) {
        try {
            if (!limiter.acquire(PERMIT_WAIT)) {
                throw new RetryableException(
                        "no rate-limit permit within " + PERMIT_WAIT.toSeconds() + " s for " + operation);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableException("interrupted while waiting for a permit for " + operation, e);
        }
    }
}
