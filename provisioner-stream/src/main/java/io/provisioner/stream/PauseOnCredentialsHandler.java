package io.provisioner.stream;

import io.provisioner.stream.internals.CredentialsPause;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens when a stream thread dies. A rejected management key ({@link CredentialsPause})
 * trips the {@link CredentialsGate}, which pauses the topology, and the thread is replaced: its
 * uncommitted records are read again once the key is accepted. Any other failure also replaces the
 * thread, unless {@code maxFailures} happened within {@code window}: then the client shuts down rather
 * than loop. Thread-safe.
 */
final class PauseOnCredentialsHandler implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(PauseOnCredentialsHandler.class);

    private final CredentialsGate gate;
    private final Clock clock;
    private final int maxFailures;
    private final Duration window;
    private final Deque<Instant> failures = new ArrayDeque<>();

    public PauseOnCredentialsHandler(CredentialsGate gate, Clock clock, int maxFailures, Duration window) {
        this.gate = gate;
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.window = window;
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        CredentialsPause pause = CredentialsPause.find(exception);
        if (pause != null) {
            gate.trip(pause.getMessage(), pause.recordId());
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        if (tooManyFailures()) {
            LOG.error(
                    "stream thread failed {} times within {} s; shutting the client down",
                    maxFailures,
                    window.toSeconds(),
                    exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        LOG.error("stream thread failed; replacing it", exception);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private synchronized boolean tooManyFailures() {
        Instant now = clock.instant();
        failures.addLast(now);
        while (!failures.isEmpty() && failures.peekFirst().isBefore(now.minus(window))) {
            failures.removeFirst();
        }
        return failures.size() >= maxFailures;
    }
}
