package io.provisioner.core.errors;

/**
 * No rate-limit permit came within the permit wait, so the call was not made: nothing was sent to
 * OpenRouter. Waiting for a permit spends no attempt: the request goes back to a retry tier with the
 * attempt count it had, and never to the DLT for this.
 */
public class PermitUnavailableException extends RetryableException {
    private static final long serialVersionUID = 1L;

    public PermitUnavailableException(String message) {
        super(message);
    }

    public PermitUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
