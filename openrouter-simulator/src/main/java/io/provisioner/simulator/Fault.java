package io.provisioner.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A scripted failure of the next {@code POST /keys} ({@link OpenRouterSimulator#enqueueCreateFaults}) or
 * {@code DELETE /keys/{hash}} ({@link OpenRouterSimulator#enqueueDeleteFaults}). Build one with the static
 * factories. A delete takes {@link #status}, {@link #rateLimited}, {@link #dropConnection}, {@link
 * #actThenStatus} and {@link #actThenDrop}; the other kinds are about creating a key.
 *
 * @param status the HTTP status answered, for {@link Kind#STATUS}, {@link Kind#RATE_LIMITED} and {@link
 *     Kind#ACT_THEN_STATUS}
 * @param retryAfter {@code Retry-After} in seconds, or null
 * @param retryAfterDate {@code Retry-After} as an HTTP date, or null
 * @param hang how long {@link Kind#TIMEOUT_AFTER_CREATE} waits before closing the connection, and
 *     {@link Kind#CREATE_LATE} before it creates the key; null for the other kinds
 */
public record Fault(Kind kind, int status, Duration retryAfter, Instant retryAfterDate, Duration hang) {

    /** What the fault does. */
    public enum Kind {
        /** Answers {@code status} with the error body; creates no key. */
        STATUS,
        /** Answers 429, optionally with {@code Retry-After}; creates no key. */
        RATE_LIMITED,
        /** Creates the key, then hangs and closes the connection without an answer. */
        TIMEOUT_AFTER_CREATE,
        /** Closes the connection without an answer; creates no key. */
        DROP_CONNECTION,
        /** Creates the key and answers 201 with a body that is not valid JSON. */
        MALFORMED_BODY,
        /**
         * Creates the key, then answers 503 with {@code Retry-After: 0}: a gateway that lost the answer and
         * invites the client to send again (OkHttp's follow-ups would, creating a second key).
         */
        CREATE_THEN_UNAVAILABLE,
        /**
         * Waits {@code hang} (longer than the client's timeout), then creates the key and answers 201 to
         * whoever still listens: a slow server, a request queued behind a gateway.
         */
        CREATE_LATE,
        /**
         * Carries the request out (creates or deletes the key), then answers {@code status} with the error
         * body: a gateway that lost the answer, e.g. a DELETE that OpenRouter performed, answered 502.
         */
        ACT_THEN_STATUS,
        /** Carries the request out, then closes the connection without an answer. */
        ACT_THEN_DROP;

        /** True for the kinds that {@code DELETE /keys/{hash}} can suffer. */
        boolean appliesToDelete() {
            return this == STATUS
                    || this == RATE_LIMITED
                    || this == DROP_CONNECTION
                    || this == ACT_THEN_STATUS
                    || this == ACT_THEN_DROP;
        }
    }

    public Fault {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.STATUS || kind == Kind.RATE_LIMITED || kind == Kind.ACT_THEN_STATUS)
                && (status < 400 || status > 599)) {
            throw new IllegalArgumentException("status must be 400..599, was " + status);
        }
        if (retryAfter != null && retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
        }
        if ((kind == Kind.TIMEOUT_AFTER_CREATE || kind == Kind.CREATE_LATE) && (hang == null || hang.isNegative())) {
            throw new IllegalArgumentException("hang must be zero or positive, was " + hang);
        }
    }

    /** Answers {@code status} (e.g. 500, 400, 422) with the error body; no key is created. */
    public static Fault status(int status) {
        return new Fault(Kind.STATUS, status, null, null, null);
    }

    /** Answers 429; with {@code Retry-After: <seconds>} when {@code retryAfterOrNull} is given. */
    public static Fault rateLimited(Duration retryAfterOrNull) {
        return new Fault(Kind.RATE_LIMITED, 429, retryAfterOrNull, null, null);
    }

    /** Answers 429 with {@code Retry-After} as an HTTP date. */
    public static Fault rateLimitedUntil(Instant httpDate) {
        return new Fault(Kind.RATE_LIMITED, 429, null, Objects.requireNonNull(httpDate, "httpDate"), null);
    }

    /** Creates the key, then waits {@code hang} and closes the connection without answering. */
    public static Fault timeoutAfterCreate(Duration hang) {
        return new Fault(Kind.TIMEOUT_AFTER_CREATE, 0, null, null, hang);
    }

    /** Closes the connection without an answer; no key is created. */
    public static Fault dropConnection() {
        return new Fault(Kind.DROP_CONNECTION, 0, null, null, null);
    }

    /** Creates the key and answers 201 with a body that is not valid JSON. */
    public static Fault malformedBody() {
        return new Fault(Kind.MALFORMED_BODY, 0, null, null, null);
    }

    /** Creates the key, then answers 503 with {@code Retry-After: 0}. */
    public static Fault createThenUnavailable() {
        return new Fault(Kind.CREATE_THEN_UNAVAILABLE, 503, Duration.ZERO, null, null);
    }

    /**
     * Carries the request out, then answers {@code status} (e.g. 502) with the error body: for a delete, the
     * key is gone although the client is told the call failed.
     */
    public static Fault actThenStatus(int status) {
        return new Fault(Kind.ACT_THEN_STATUS, status, null, null, null);
    }

    /** Carries the request out, then closes the connection without an answer. */
    public static Fault actThenDrop() {
        return new Fault(Kind.ACT_THEN_DROP, 0, null, null, null);
    }

    /** Waits {@code wait}, then creates the key and answers 201 if the client is still there. */
    public static Fault createLate(Duration wait) {
        return new Fault(Kind.CREATE_LATE, 0, null, null, wait);
    }
}
