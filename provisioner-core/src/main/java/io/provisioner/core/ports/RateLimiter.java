package io.provisioner.core.ports;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Spaces calls to OpenRouter. Implementations are thread-safe. */
public interface RateLimiter {

    /**
     * Blocks until one call is permitted, at most {@code maxWait}.
     *
     * @return true when a permit was taken; false when none came within {@code maxWait}
     */
    boolean acquire(Duration maxWait) throws InterruptedException;

    /**
     * OpenRouter answered a permitted call with 429: an adaptive limiter slows down (and pauses every
     * caller briefly when {@code retryAfterOrNull} is given: the request that got it waits it out itself).
     * The default ignores it.
     */
    default void rateLimited(Duration retryAfterOrNull) {}

    /**
     * When the pause a {@code Retry-After} imposed on every caller ends, while one is in force; empty when
     * calls are not paused. The default never pauses.
     */
    default Optional<Instant> throttledUntil() {
        return Optional.empty();
    }
}
