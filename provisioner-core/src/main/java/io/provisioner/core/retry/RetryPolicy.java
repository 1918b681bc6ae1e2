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
 * it back at the end of that tier whenever it would hold up the records behind it. Pure and thread-safe.
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay) {

    public RetryPolicy {
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
        if (retryAfter.isPresent() && retryAfter.get().compareTo(needed) > 0) {
            needed = retryAfter.get();
        }
        for (int t = attempt; t <= tiers(); t++) {
            if (tierDelay(t).compareTo(needed) >= 0) {
                return new RetryDecision.Retry(t, now.plus(tierDelay(t)), tierDelay(t));
            }
        }
        // Longer than the longest tier: the last tier, due when the server said.
        return new RetryDecision.Retry(tiers(), now.plus(needed), needed);
    }
}
