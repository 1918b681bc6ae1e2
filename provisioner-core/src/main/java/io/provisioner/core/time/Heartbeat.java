package io.provisioner.core.time;

import java.time.Duration;
import java.util.Objects;

/**
 * The last time a loop made progress, for a liveness check: the loop calls {@link #beat()} once per
 * turn, the probe asks {@link #silentFor()}. A loop that is stuck (a deadlock, a call without a timeout)
 * or whose thread died stops beating; one that waits out a bounded delay or a down server keeps turning.
 * Starts as if it had just beaten. Thread-safe.
 */
public final class Heartbeat {

    private final Ticker ticker;
    private volatile long last;

    public Heartbeat(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.last = ticker.nanos();
    }

    /** The loop made progress now. */
    public void beat() {
        last = ticker.nanos();
    }

    /** Time since the last {@link #beat()} (or since construction). */
    public Duration silentFor() {
        return Duration.ofNanos(Math.max(0, ticker.nanos() - last));
    }

    /** True when the loop has not beaten for longer than {@code bound}. */
    public boolean silentLongerThan(Duration bound) {
        return silentFor().compareTo(bound) > 0;
    }
}
