package io.provisioner.stream.internals;

import io.provisioner.core.errors.PermitUnavailableException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes one {@link RateLimiter} permit, waiting at most {@code maxWait}, before every OpenRouter call.
 * When no permit comes in time the call is not made and a {@link PermitUnavailableException} is thrown
 * (it spends no attempt), so a stream thread never blocks longer than {@code max.poll.interval.ms}
 * allows. A {@code Retry-After} is honoured up to {@code OR_MAX_RETRY_AFTER}; a longer one is cut to it
 * (with one WARN per process). A 429 (the server did not
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

    private static final Logger LOG = LoggerFactory.getLogger(ThrottledCalls.class);
    private static final AtomicBoolean WARNED_RETRY_AFTER = new AtomicBoolean();

    /** Calls this thread made (each after its permit), so a caller can tell an attempt that made none. */
    private final ThreadLocal<long[]> made = ThreadLocal.withInitial(() -> new long[1]);

    private final KeysApi api;
    private final RateLimiter limiter;
    private final Duration maxWait;
    private final Duration maxRetryAfter;
    private final Sleeper sleeper;
    private final LongSupplier nanoTime;

    /** @param maxRetryAfter the longest {@code Retry-After} honoured ({@code OR_MAX_RETRY_AFTER}) */
    public ThrottledCalls(KeysApi api, RateLimiter limiter, Duration maxWait, Duration maxRetryAfter) {
        this(
                api,
                limiter,
                maxWait,
                maxRetryAfter,
                d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000),
                System::nanoTime);
    }

    ThrottledCalls(
            KeysApi api,
            RateLimiter limiter,
            Duration maxWait,
            Duration maxRetryAfter,
            Sleeper sleeper,
            LongSupplier nanoTime) {
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("permit wait must not be negative, was " + maxWait);
        }
        this.api = api;
        this.limiter = limiter;
        this.maxWait = maxWait;
        this.maxRetryAfter = maxRetryAfter;
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
                made.get()[0]++;
                return call.get();
            } catch (RateLimitedException e) {
                Duration retryAfter = honoured(operation, e.retryAfter().orElse(null));
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

    /** How many calls the current thread has made through this instance, ever: compare two readings. */
    public long callsMadeByThisThread() {
        return made.get()[0];
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

    /** {@code retryAfter} cut to {@link #maxRetryAfter} (the first time with a WARN), before any arithmetic on it. */
    private Duration honoured(String operation, Duration retryAfter) {
        if (retryAfter == null || retryAfter.compareTo(maxRetryAfter) <= 0) {
            return retryAfter;
        }
        if (WARNED_RETRY_AFTER.compareAndSet(false, true)) {
            LOG.warn(
                    "OpenRouter answered {} with 429 and Retry-After {} s; waiting at most OR_MAX_RETRY_AFTER ({} s)"
                            + " instead (said once)",
                    operation,
                    retryAfter.getSeconds(),
                    maxRetryAfter.getSeconds());
        }
        return maxRetryAfter;
    }

    /**
     * Waits out {@code retryAfter} here (not only through the limiter's shared pause, which another
     * instance's state may not show yet), then a permit, both before {@code deadline}.
     */
    private boolean permitAfter(Duration retryAfter, long deadline) {
        try {
            if (retryAfter != null && !retryAfter.isZero() && !retryAfter.isNegative()) {
                if (retryAfter.compareTo(Duration.ofNanos(deadline - nanoTime.getAsLong())) > 0) {
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
        } catch (RetryableException e) {
            // the limiter's own storage failed: still nothing was sent
            throw new PermitUnavailableException("no rate-limit permit for " + operation + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PermitUnavailableException("interrupted while waiting for a permit for " + operation, e);
        }
        if (!granted) {
            throw new PermitUnavailableException(
                    "no rate-limit permit within " + maxWait.toMillis() + " ms for " + operation + " (nothing sent)");
        }
    }
}
