package io.provisioner.core.errors;

import java.time.Duration;

/** OpenRouter answered 429: it did not act; the caller should slow down (for {@code Retry-After} if given). */
public class RateLimitedException extends RetryableException {
    private static final long serialVersionUID = 1L;

    public RateLimitedException(String message, Duration retryAfter) {
        super(message, null, retryAfter, false);
    }
}
