package io.provisioner.core.retry;

import java.time.Duration;
import java.time.Instant;

/** The outcome of {@link RetryPolicy#afterRetryableFailure}. */
public sealed interface RetryDecision {

    /** Send to retry topic {@code tier}, not to be processed before {@code dueAt}. */
    record Retry(int tier, Instant dueAt, Duration delay) implements RetryDecision {}

    /** Send to the dead-letter topic. */
    record DeadLetter(String reason) implements RetryDecision {}
}
