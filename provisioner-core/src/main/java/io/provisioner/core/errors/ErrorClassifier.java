package io.provisioner.core.errors;

import io.provisioner.core.logging.Texts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.Set;

/**
 * The one place that decides what a failure means. Everything not listed as fatal is retryable;
 * 401/403 are a configuration failure. Stateless and thread-safe.
 */
public final class ErrorClassifier {

    /** Statuses that are fatal for a create: the request itself is wrong. */
    private static final Set<Integer> FATAL_ON_CREATE = Set.of(400, 404, 422);

    /** Longest error text we keep (stored in {@code last_error} and headers). */
    public static final int MAX_MESSAGE = 1000;

    private ErrorClassifier() {}

    /**
     * Maps an HTTP error answer onto an exception.
     *
     * @param operation what was called, e.g. {@code "POST /keys"}, for the message
     * @param status HTTP status, not 2xx
     * @param message the {@code error.message} of the body, or a short excerpt of the body
     * @param retryAfter the parsed {@code Retry-After}, or null
     */
    public static ProvisioningException http(String operation, int status, String message, Duration retryAfter) {
        String text = truncate(
                operation + " answered " + status + (message == null || message.isBlank() ? "" : ": " + message));
        if (status == 401 || status == 403) {
            return new CredentialsException(status, text);
        }
        if (status == 429) {
            return new RateLimitedException(text, retryAfter);
        }
        if (status == 408 || status >= 500) {
            return new RetryableException(text, null, retryAfter, status == 408 || status >= 500);
        }
        if (FATAL_ON_CREATE.contains(status) || (status >= 400 && status < 500)) {
            return new FatalException(text, null, status);
        }
        return new RetryableException(text, null, retryAfter, false);
    }

    /**
     * Maps an I/O failure of an HTTP call. A failure after the request was written leaves the outcome
     * unknown: the server may have acted on it.
     */
    public static RetryableException io(String operation, IOException e, boolean requestSent) {
        boolean unknown = requestSent
                && !(e instanceof ConnectException
                        || e instanceof UnknownHostException
                        || e instanceof NoRouteToHostException);
        String kind =
                e instanceof SocketTimeoutException || e instanceof InterruptedIOException ? "timed out" : "failed";
        return new RetryableException(
                truncate(operation + " " + kind + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage())),
                e,
                null,
                unknown);
    }

    /**
     * Maps a database failure: connection problems, serialization failures, deadlocks, lock and statement
     * timeouts, and server shutdown are retryable; anything else (constraint or syntax errors) is fatal.
     */
    public static ProvisioningException sql(String operation, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        boolean transientState = state.startsWith("08") // connection exception
                || state.startsWith("40") // serialization failure, deadlock
                || state.startsWith("53") // insufficient resources
                || state.startsWith("57") // operator intervention, e.g. admin shutdown
                || state.equals("55P03"); // lock not available
        String text = truncate(operation + " failed: SQLState " + state + " " + e.getMessage());
        return transientState || e instanceof SQLTransientException
                ? new RetryableException(text, e)
                : new FatalException(text, e);
    }

    /** {@code s} cut to {@link #MAX_MESSAGE} characters; null stays null. */
    public static String truncate(String s) {
        return s == null ? null : Texts.abbreviate(s, MAX_MESSAGE);
    }

    /**
     * The {@code provisioning-error-class} header of a failure: a {@link ProvisioningException}'s own
     * {@link ProvisioningException#errorClass()}, else the simple name of its class.
     */
    public static String errorClass(Throwable e) {
        return e instanceof ProvisioningException p
                ? p.errorClass()
                : e.getClass().getSimpleName();
    }
}
