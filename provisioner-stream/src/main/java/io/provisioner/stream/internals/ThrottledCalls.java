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
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Takes one {@link RateLimiter} permit, waiting at most {@code maxWait}, before every OpenRouter call.
 * When no permit comes in time the call is not made and a {@link RetryableException} is thrown, so a
 * stream thread never blocks longer than {@code max.poll.interval.ms} allows. A 429 (the server did not
 * act) slows the limiter down and the call is made again, after its {@code Retry-After} and on the next,
 * slower permit, up to {@link #RATE_LIMITED_RETRIES} times, as long as all that waiting fits into one
 * {@code maxWait} from the first 429: a throttled request is done within a permit's wait instead of a
 * retry tier's backoff. Thread-safe.
 */
public final class ThrottledCalls {

    /** Calls made again at once after a 429, each on a new permit; the next 429 goes to the retry tier. */
    static final int RATE_LIMITED_RETRIES = 2;

    /** Sleeps; a test's sleeper moves a fake clock instead. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final KeysApi api;
    private final RateLimiter limiter;
    private final Duration maxWait;
    private final Sleeper sleeper;
    private final LongSupplier nanoTime;

    public ThrottledCalls(KeysApi api, RateLimiter limiter, Duration maxWait) {
        this(api, limiter, maxWait, d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000), System::nanoTime);
    }

    ThrottledCalls(KeysApi api, RateLimiter limiter, Duration maxWait, Sleeper sleeper, LongSupplier nanoTime) {
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("permit wait must not be negative, was " + maxWait);
        }
        this.api = api;
        this.limiter = limiter;
        this.maxWait = maxWait;
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
    }

    public KeysApi api() {
        return api;
    }

    /**
     * Waits for a permit, then runs {@code call}; a 429 tells the limiter to slow down, and the call is
     * made again on the next permit (at most {@link #RATE_LIMITED_RETRIES} times).
     *
     * @throws RateLimitedException the last 429, when the retries are used up, or its {@code Retry-After}
     *     and the next permit do not fit into one permit wait from the first 429
     */
    public <T> T call(String operation, Supplier<T> call) {
        permit(operation);
        long deadline = 0;
        for (int retries = 0; ; retries++) {
            try {
                return call.get();
            } catch (RateLimitedException e) {
                Duration retryAfter = e.retryAfter().orElse(null);
                limiter.rateLimited(retryAfter);
                if (retries == 0) {
                    deadline = nanoTime.getAsLong() + maxWait.toNanos();
                }
                if (retries >= RATE_LIMITED_RETRIES || !permitAfter(retryAfter, deadline)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Every key named exactly {@code name} created at or after {@code notBefore} (older ones may be among
     * them), disabled ones included; one permit per page. Pages stop at the first page holding an older
     * key ({@link KeyListing#createdSince}), so the cost follows the keys created since, not the account.
     *
     * @return empty when more than {@code maxPages} pages would be needed
     */
    public Optional<List<ApiKey>> findByName(String name, Instant notBefore, int maxPages) {
        return KeyListing.createdSince(offset -> call("GET /keys", () -> api.list(offset, true)), notBefore, maxPages)
                .map(keys -> keys.stream().filter(k -> name.equals(k.name())).toList());
    }

    /**
     * Waits out {@code retryAfter} here (not only through the limiter's shared pause, which another
     * instance's state may not show yet), then a permit, both before {@code deadline}.
     */
    private boolean permitAfter(Duration retryAfter, long deadline) {
        try {
            if (retryAfter != null && !retryAfter.isZero() && !retryAfter.isNegative()) {
                if (nanoTime.getAsLong() + retryAfter.toNanos() > deadline) {
                    return false;
                }
                sleeper.sleep(retryAfter);
            }
            long left = deadline - nanoTime.getAsLong();
            return left > 0 && limiter.acquire(Duration.ofNanos(left));
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
