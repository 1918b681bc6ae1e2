package io.provisioner.openrouter;

import java.time.Duration;

/**
 * Told about every OpenRouter call once it ended, e.g. to feed a Micrometer timer. Called on the calling
 * thread; must be fast, thread-safe and not throw (what it throws is logged and ignored).
 */
@FunctionalInterface
public interface CallListener {

    /** Ignores every call. */
    CallListener NONE = (operation, status, elapsed) -> {};

    /**
     * @param operation a low-cardinality name such as {@code "POST /keys"} or {@code "GET /keys/{hash}"}
     * @param status the HTTP status, or -1 when the call failed without a complete answer (I/O failure)
     * @param elapsed from the start of the call to its answer or failure
     */
    void onCall(String operation, int status, Duration elapsed);
}
