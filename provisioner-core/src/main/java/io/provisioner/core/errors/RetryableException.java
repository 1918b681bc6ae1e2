package io.provisioner.core.errors;

import java.time.Duration;
import java.util.Optional;

/**
 * A failure that may go away by itself: 429, 408, 5xx, timeouts, resets, transient database errors.
 * The request goes to the next retry tier.
 */
public class RetryableException extends ProvisioningException {
    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;
    private final boolean outcomeUnknown;

    public RetryableException(String message) {
        this(message, null, null, false);
    }

    public RetryableException(String message, Throwable cause) {
        this(message, cause, null, false);
    }

    /**
     * @param retryAfter the server's {@code Retry-After}, if it gave one
     * @param outcomeUnknown true when the request may have taken effect (sent, then timed out or reset)
     */
    public RetryableException(String message, Throwable cause, Duration retryAfter, boolean outcomeUnknown) {
        super(message, cause);
        this.retryAfter = retryAfter;
        this.outcomeUnknown = outcomeUnknown;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** True when the call may have succeeded on the server although we saw a failure. */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }
}
