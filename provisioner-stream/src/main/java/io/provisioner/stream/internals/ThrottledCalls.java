package io.provisioner.stream.internals;

import io.provisioner.core.errors.RateLimitedException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyListing;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Takes one {@link RateLimiter} permit, waiting at most {@code maxWait}, before every OpenRouter call.
 * When no permit comes in time the call is not made and a {@link RetryableException} is thrown, so a
 * stream thread never blocks longer than {@code max.poll.interval.ms} allows. Thread-safe.
 */
public final class ThrottledCalls {

    private final KeysApi api;
    private final RateLimiter limiter;
    private final Duration maxWait;

    public ThrottledCalls(KeysApi api, RateLimiter limiter, Duration maxWait) {
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("permit wait must not be negative, was " + maxWait);
        }
        this.api = api;
        this.limiter = limiter;
        this.maxWait = maxWait;
    }

    public KeysApi api() {
        return api;
    }

    /** Waits for a permit, then runs {@code call}; a 429 tells the limiter to slow down. */
    public <T> T call(String operation, Supplier<T> call) {
        permit(operation);
        try {
            return call.get();
        } catch (RateLimitedException e) {
            limiter.rateLimited(e.retryAfter().orElse(null));
            throw e;
        }
    }

    /**
     * Every key named exactly {@code name} created at or after {@code notBefore} (older ones may be among
     * them), disabled ones included; one permit per page. Pages stop at the first page holding an older
     * key ({@link KeyListing#createdSince}), so the cost follows the keys created since, not the account.
     */
    public List<ApiKey> findByName(String name, Instant notBefore) {
        List<ApiKey> keys =
                KeyListing.createdSince(offset -> call("GET /keys", () -> api.list(offset, true)), notBefore);
        return keys.stream().filter(k -> name.equals(k.name())).toList();
    }

    private void permit(String operation) {
        boolean granted;
        try {
            granted = limiter.acquire(maxWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryableException("interrupted while waiting for a permit for " + operation, e);
        }
        if (!granted) {
            throw new RetryableException("no rate-limit permit within " + maxWait.toMillis() + " ms for " + operation);
        }
    }
}
