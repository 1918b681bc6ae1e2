package io.provisioner.db.ratelimit;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * {@link RateLimiter} over a Bucket4j bucket of {@link RateLimiters#UNITS} tokens per call at the
 * configured rate. A permit that must be waited for is reserved at once and then waited for, so waiting
 * callers queue in arrival order and the rate holds however many wait. While OpenRouter answers 429 the
 * {@link AdaptiveState} lowers the share of that rate: each call then also takes the tokens of the slower
 * spacing on credit, which every caller of the bucket waits for. A {@code Retry-After} pauses every
 * caller for at most {@code maxPause} (the request that got it waits out the rest itself, or goes to a
 * retry tier); {@link #throttledUntil} says until when. The callers of one process that ask at the same
 * time share one reservation ({@link PermitBatcher}). Thread-safe when the bucket is.
 */
final class BucketRateLimiter implements RateLimiter {

    private final PermitBatcher permits;
    private final BlockingStrategy blocking;
    private final AdaptiveState adaptive;
    private final LongSupplier nowMillis;
    private final Duration maxPause;
    private final String description;

    /**
     * @param configured this process's configuration of the bucket (a shared bucket may apply a newer one)
     * @param nowMillis the time of {@code Retry-After} pauses, agreed on by every instance
     * @param nanoTime the clock the permits' waits are measured on ({@link System#nanoTime}, the bucket's
     *     own time source for a local bucket)
     * @param maxPause the longest pause a {@code Retry-After} imposes on every caller, at most {@link
     *     RateLimiters#MAX_SHARED_PAUSE}
     */
    BucketRateLimiter(
            Bucket bucket,
            BucketConfiguration configured,
            BlockingStrategy blocking,
            AdaptiveState adaptive,
            LongSupplier nowMillis,
            LongSupplier nanoTime,
            Duration maxPause,
            String description) {
        if (maxPause.isNegative() || maxPause.compareTo(RateLimiters.MAX_SHARED_PAUSE) > 0) {
            throw new IllegalArgumentException(
                    "maxPause must be between 0 and " + RateLimiters.MAX_SHARED_PAUSE + ", was " + maxPause);
        }
        this.maxPause = maxPause;
        this.permits = new PermitBatcher(
                bucket, RateLimiters.UNITS, PermitBatcher.nanosPerToken(configured), blocking, nanoTime);
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
            // every read and write of shared state happens before the permit: OpenRouter counts arrivals,
            // and I/O between the end of the permit's wait and the call (a cold pool, a busy row) would
            // let permits spaced apart arrive bunched together
            AimdRate state = adaptive.current();
            if (!awaitPause(state, deadline)) {
                return false;
            }
            long left = Math.max(0, deadline - nowMillis.getAsLong());
            if (!permits.take(slowdownTokens(state), Duration.ofMillis(left).toNanos())) {
                return false;
            }
            // a Retry-After that arrived meanwhile (this instance's at once, others' as last read)
            return awaitPause(adaptive.lastKnown(), deadline);
        } catch (InterruptedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RetryableException("rate limiter failed: " + e.getClass().getSimpleName(), e);
        }
    }

    @Override
    public void rateLimited(Duration retryAfterOrNull) {
        Duration pause =
                retryAfterOrNull == null || retryAfterOrNull.compareTo(maxPause) <= 0 ? retryAfterOrNull : maxPause;
        adaptive.rateLimited(nowMillis.getAsLong(), pause);
    }

    @Override
    public Optional<Instant> throttledUntil() {
        long now = nowMillis.getAsLong();
        long until = adaptive.current().at(now).pausedUntil();
        return until > now ? Optional.of(Instant.ofEpochMilli(until)) : Optional.empty();
    }

    /** The share of the rate now in force (1: the configured rate). */
    double share() {
        long now = nowMillis.getAsLong();
        return adaptive.current().at(now).shareAt(now);
    }

    /** The tokens of the slower spacing, taken on credit before the permit itself, so that the permit waits for them too. */
    private long slowdownTokens(AimdRate state) {
        long now = nowMillis.getAsLong();
        double share = state.at(now).shareAt(now);
        return share < 1 ? Math.max(0, Math.round(RateLimiters.UNITS * (1 / share - 1))) : 0;
    }

    /** Waits out a {@code Retry-After} pause; false, without waiting, when it lasts beyond the deadline. */
    private boolean awaitPause(AimdRate state, long deadline) throws InterruptedException {
        long now = nowMillis.getAsLong();
        long until = state.at(now).pausedUntil();
        if (until <= now) {
            return true;
        }
        if (until > deadline) {
            return false;
        }
        blocking.park(Duration.ofMillis(until - now).toNanos());
        return true;
    }

    /** The reservations made in the bucket so far: fewer than the permits when callers shared them. */
    long reservations() {
        return permits.reservations();
    }

    @Override
    public String toString() {
        return description;
    }
}
