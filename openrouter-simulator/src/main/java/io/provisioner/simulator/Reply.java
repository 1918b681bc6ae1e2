package io.provisioner.simulator;

import java.time.Duration;
import java.util.Map;

/** What the simulator does with one exchange. */
sealed interface Reply {

    /** An answer with a JSON (or deliberately broken) body. */
    record Answer(int status, byte[] body, Map<String, String> headers) implements Reply {
        Answer(int status, byte[] body) {
            this(status, body, Map.of());
        }
    }

    /** Waits, then closes the connection without an answer. */
    record Hang(Duration duration) implements Reply {}

    /** Closes the connection at once without an answer. */
    record Drop() implements Reply {}

    static Answer error(int status, String message) {
        return new Answer(status, SimJson.error(status, message));
    }

    static Answer error(int status, String message, Map<String, String> headers) {
        return new Answer(status, SimJson.error(status, message), headers);
    }
}
