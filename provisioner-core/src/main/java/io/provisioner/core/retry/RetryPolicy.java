package io.provisioner.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a failed request is tried again, and when it is given up.
 *
 * <p>The arithmetic, written down once: {@code maxAttempts} attempts are the first try plus
 * {@code maxAttempts - 1} delayed retries. Retry topic {@code n} (1-based, {@code 1..maxAttempts-1})
 * carries the delay {@code min(initial * multiplier^(n-1), max)}. Attempt {@code n} failing retryably
 * with {@code n < maxAttempts} goes to a retry topic; attempt {@code maxAttempts} failing goes to the DLT.
 *
 * <p>Every record in topic {@code t} is due no earlier than {@code tierDelay(t)} after it was written,
 * and most exactly then, so each retry topic is nearly in due order. A {@code Retry-After} longer than
 * the attempt's own tier delay moves the record to the first later tier whose delay covers it; one
 * longer than every tier goes to the last tier, due when the server said, and the retry scheduler puts
 * it back at the end of that tier whenever it would hold up the records behind it. A {@code Retry-After}
 * is honoured up to {@code maxRetryAfter} ({@code OR_MAX_RETRY_AFTER}); a longer one counts as that.
 *
 * <p>Waiting for a rate-limit permit spends no attempt ({@link #afterNoPermit}): nothing was sent. Pure
 * and thread-safe.
 */
public record RetryPolicy(
        int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay, Duration maxRetryAfter) {

    /** Default of {@code OR_MAX_RETRY_AFTER}. */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofHours(1);

    /** A policy that honours a {@code Retry-After} up to {@link #DEFAULT_MAX_RETRY_AFTER}. */
    public RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay) {
        this(maxAttempts, initialDelay, multiplier, maxDelay, DEFAULT_MAX_RETRY_AFTER);
    }

    public RetryPolicy {
        if (maxRetryAfter == null || maxRetryAfter.isNegative() || maxRetryAfter.isZero()) {
            throw new IllegalArgumentException("max Retry-After must be positive, was " + maxRetryAfter);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new IllegalArgumentException("initial delay must be positive, was " + initialDelay);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException(
                    "max delay " + maxDelay + " is shorter than the initial delay " + initialDelay);
        }
    }

    /** Number of retry topics: {@code maxAttempts - 1}. */
    public int tiers() {
        return maxAttempts - 1;
    }

    /**
     * The delay of retry topic {@code n}: {@code min(initial * multiplier^(n-1), max)}. Defined for every
     * {@code n >= 1}, also above {@link #tiers()}: such a topic is left from a configuration with more
     * attempts and is still drained.
     */
    public Duration tierDelay(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("retry tier " + n + " is not positive");
        }
        double ms = initialDelay.toMillis() * Math.pow(multiplier, n - 1);
        return ms >= maxDelay.toMillis() ? maxDelay : Duration.ofMillis((long) ms);
    }

    /**
     * Decides what happens after attempt {@code attempt} (1-based) failed retryably.
     *
     * @param retryAfter the server's {@code Retry-After}, if any; it wins when longer than the tier delay
     */
    public RetryDecision afterRetryableFailure(int attempt, Optional<Duration> retryAfter, Instant now) {
        if (attempt >= maxAttempts) {
            return new RetryDecision.DeadLetter("gave up after " + attempt + " attempts");
        }
        Duration needed = tierDelay(attempt);
        Duration honoured = retryAfter.map(this::honoured).orElse(Duration.ZERO);
        if (honoured.compareTo(needed) > 0) {
            needed = honoured;
        }
        for (int t = attempt; t <= tiers(); t++) {
            if (tierDelay(t).compareTo(needed) >= 0) {
                return new RetryDecision.Retry(t, now.plus(tierDelay(t)), tierDelay(t));
            }
        }
        // Longer than the longest tier: the last tier, due when the server said.
        return new RetryDecision.Retry(tiers(), now.plus(needed), needed);
    }

    /** {@code retryAfter} cut to {@link #maxRetryAfter}; never negative. */
    public Duration honoured(Duration retryAfter) {
        if (retryAfter.isNegative()) {
            return Duration.ZERO;
        }
        return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
    }

    /**
     * Decides what happens after attempt {@code attempt} made no call because no rate-limit permit came in
     * time: it is not counted, so the record goes back to the first retry tier (the shortest wait) and is
     * tried again as attempt {@code attempt} once more. Only a policy without retry tiers
     * ({@code maxAttempts} 1) has nowhere to send it but the DLT.
     */
    public RetryDecision afterNoPermit(Instant now) {
        if (tiers() == 0) {
            return new RetryDecision.DeadLetter("no rate-limit permit in time and no retry tier (1 attempt allowed)");
        }
        return new RetryDecision.Retry(1, now.plus(tierDelay(1)), tierDelay(1));
    }
}
