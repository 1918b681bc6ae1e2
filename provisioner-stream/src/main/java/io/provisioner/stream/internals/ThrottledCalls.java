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
 * stream thread never blocks longer than {@code max.poll.interval.ms} allows. A 429 (the server did not
 * act) slows the limiter down and the call is made again on the next, slower permit, up to
 * {@link #RATE_LIMITED_RETRIES} times, unless its {@code Retry-After} is longer than {@code maxWait}:
 * a throttled request is done within a permit's wait instead of a retry tier's backoff. Thread-safe.
 */
public final class ThrottledCalls {

    /** Calls made again at once after a 429, each on a new permit; the next 429 goes to the retry tier. */
    static final int RATE_LIMITED_RETRIES = 2;

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

    /**
     * Waits for a permit, then runs {@code call}; a 429 tells the limiter to slow down, and the call is
     * made again on the next permit (at most {@link #RATE_LIMITED_RETRIES} times).
     *
     * @throws RateLimitedException the last 429, when the retries are used up, its {@code Retry-After} is
     *     beyond the permit wait, or no permit came in time after it
     */
    public <T> T call(String operation, Supplier<T> call) {
        permit(operation);
        for (int retries = 0; ; retries++) {
            try {
                return call.get();
            } catch (RateLimitedException e) {
                Duration retryAfter = e.retryAfter().orElse(null);
                limiter.rateLimited(retryAfter);
                boolean waitable = retryAfter == null || retryAfter.compareTo(maxWait) <= 0;
                if (retries >= RATE_LIMITED_RETRIES || !waitable || !tryPermit()) {
                    throw e;
                }
            }
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

    /** A permit within {@code maxWait} (the limiter waits out a {@code Retry-After} pause first). */
    private boolean tryPermit() {
        try {
            return limiter.acquire(maxWait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
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
