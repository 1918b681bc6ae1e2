package io.provisioner.simulator;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The rate OpenRouter really allows: at most {@code n = max(1, floor(rate))} calls act in any sliding
 * window of {@code n / rate} seconds (one second for a whole rate of at least 1); calls beyond it are
 * refused without acting. Only calls let through count. Thread-safe (synchronized).
 */
final class RateGate {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private final ArrayDeque<Long> admitted = new ArrayDeque<>();
    private final AtomicLong refused = new AtomicLong();
    private int permits;
    private long windowNanos;
    private boolean sendRetryAfter;

    RateGate(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Allows {@code callsPerSecond} from now on; 0 or negative (or NaN) lifts the limit. */
    synchronized void allow(double callsPerSecond, boolean sendRetryAfter) {
        admitted.clear();
        this.sendRetryAfter = sendRetryAfter;
        if (!(callsPerSecond > 0)) {
            permits = 0;
            return;
        }
        permits = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.floor(callsPerSecond)));
        windowNanos = (long) Math.ceil(permits * NANOS_PER_SECOND / callsPerSecond);
    }

    /** Empty when the call may act; otherwise the 429 to answer (with {@code Retry-After} when asked). */
    synchronized Optional<Reply> refuse() {
        if (permits == 0) {
            return Optional.empty();
        }
        long now = nanoTime.getAsLong();
        while (!admitted.isEmpty() && now - admitted.peekFirst() >= windowNanos) {
            admitted.pollFirst();
        }
        if (admitted.size() < permits) {
            admitted.addLast(now);
            return Optional.empty();
        }
        refused.incrementAndGet();
        Map<String, String> headers = Map.of();
        if (sendRetryAfter) {
            long waitNanos = windowNanos - (now - admitted.peekFirst());
            long seconds = Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
            headers = Map.of("Retry-After", Long.toString(seconds));
        }
        return Optional.of(Reply.error(429, "Rate limit exceeded", headers));
    }

    long refused() {
        return refused.get();
    }

    synchronized void reset() {
        allow(0, false);
        refused.set(0);
    }
}
