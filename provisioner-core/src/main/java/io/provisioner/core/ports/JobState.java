package io.provisioner.core.ports;

import java.time.Instant;

/**
 * The owner's row of {@code ai_key_provision_jobs}.
 *
 * @param status the row's {@code status}
 * @param attemptInFlightSince set when a create was started and its outcome not recorded yet (write-ahead
 *     intent); a later attempt must then look for keys that attempt may have left on OpenRouter
 */
public record JobState(JobStatus status, int attempts, Instant attemptInFlightSince) {
    public boolean attemptInFlight() {
        return attemptInFlightSince != null;
    }
}
