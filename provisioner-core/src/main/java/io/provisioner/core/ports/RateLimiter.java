package io.provisioner.core.ports;

import java.time.Duration;

/** Spaces calls to OpenRouter. Implementations are thread-safe. */
public interface RateLimiter {

    /**
     * Blocks until one call is permitted, at most {@code maxWait}.
     *
     * @return true when a permit was taken; false when none came within {@code maxWait}
     */
    boolean acquire(Duration maxWait) throws InterruptedException;

    /**
     * OpenRouter answered a permitted call with 429: an adaptive limiter slows down (and lets nobody call
     * before {@code retryAfterOrNull} has passed, when given). The default ignores it.
     */
    default void rateLimited(Duration retryAfterOrNull) {}
}
