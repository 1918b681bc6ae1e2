package io.provisioner.db.ratelimit;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;

/**
 * {@link RateLimiter} over a Bucket4j bucket. A permit that must be waited for is reserved at once and
 * then waited for, so waiting callers queue in arrival order and the rate holds however many wait.
 * Thread-safe when the bucket is.
 */
final class BucketRateLimiter implements RateLimiter {

    private final Bucket bucket;
    private final BlockingStrategy blocking;
    private final String description;

    BucketRateLimiter(Bucket bucket, BlockingStrategy blocking, String description) {
        this.bucket = bucket;
        this.blocking = blocking;
        this.description = description;
    }

    /** @throws RetryableException when the bucket's storage (the database) fails */
    @Override
    public boolean acquire(Duration maxWait) throws InterruptedException {
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait is negative: " + maxWait);
        }
        try {
            // Bucket4j's blocking API wants a positive wait
            return maxWait.isZero() ? bucket.tryConsume(1) : bucket.asBlocking().tryConsume(1, maxWait, blocking);
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RetryableException("rate limiter failed: " + e.getClass().getSimpleName(), e);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
