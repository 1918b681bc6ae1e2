package io.provisioner.db.ratelimit;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * {@link RateLimiter} over a Bucket4j bucket of {@link RateLimiters#UNITS} tokens per call at the
 * configured rate. A permit that must be waited for is reserved at once and then waited for, so waiting
 * callers queue in arrival order and the rate holds however many wait. While OpenRouter answers 429 the
 * {@link AdaptiveState} lowers the share of that rate: each call then also takes the tokens of the slower
 * spacing on credit, which every caller of the bucket waits for. A {@code Retry-After} pauses calls until
 * it has passed. Thread-safe when the bucket is.
 */
final class BucketRateLimiter implements RateLimiter {

    private final Bucket bucket;
    private final BlockingStrategy blocking;
    private final AdaptiveState adaptive;
    private final LongSupplier nowMillis;
    private final String description;

    BucketRateLimiter(
            Bucket bucket,
            BlockingStrategy blocking,
            AdaptiveState adaptive,
            LongSupplier nowMillis,
            String description) {
        this.bucket = bucket;
        this.blocking = blocking;
        this.adaptive = adaptive;
        this.nowMillis = nowMillis;
        this.description = description;
    }

    /** @throws RetryableException when the bucket's storage (the database) fails */
    @Override
    public boolean acquire(Duration maxWait) throws InterruptedException {
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait is negative: " + maxWait);
        }
        long deadline = nowMillis.getAsLong() + maxWait.toMillis();
        try {
            if (!awaitPause(deadline)) {
                return false;
            }
            long left = Math.max(0, deadline - nowMillis.getAsLong());
            // Bucket4j's blocking API wants a positive wait
            boolean granted = left == 0
                    ? bucket.tryConsume(RateLimiters.UNITS)
                    : bucket.asBlocking().tryConsume(RateLimiters.UNITS, Duration.ofMillis(left), blocking);
            if (!granted) {
                return false;
            }
            takeSlowdownOnCredit();
            return awaitPause(deadline);
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RetryableException("rate limiter failed: " + e.getClass().getSimpleName(), e);
        }
    }

    @Override
    public void rateLimited(Duration retryAfterOrNull) {
        adaptive.rateLimited(nowMillis.getAsLong(), retryAfterOrNull);
    }

    /** The share of the rate now in force (1: the configured rate). */
    double share() {
        return adaptive.current().shareAt(nowMillis.getAsLong());
    }

    private void takeSlowdownOnCredit() {
        double share = share();
        if (share < 1) {
            long extra = Math.round(RateLimiters.UNITS * (1 / share - 1));
            if (extra > 0) {
                bucket.consumeIgnoringRateLimits(extra);
            }
        }
    }

    /** Waits out a {@code Retry-After} pause; false, without waiting, when it lasts beyond the deadline. */
    private boolean awaitPause(long deadline) throws InterruptedException {
        long until = adaptive.current().pausedUntil();
        long now = nowMillis.getAsLong();
        if (until <= now) {
            return true;
        }
        if (until > deadline) {
            return false;
        }
        blocking.park(Duration.ofMillis(until - now).toNanos());
        return true;
    }

    @Override
    public String toString() {
        return description;
    }
}
