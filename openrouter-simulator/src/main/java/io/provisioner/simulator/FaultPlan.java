package io.provisioner.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** The faults the next {@code POST /keys} calls suffer: scripted ones first, then random ones. Thread-safe. */
final class FaultPlan {
    private final Deque<Fault> queue = new ArrayDeque<>();
    private double p500;
    private double pTimeout;
    private Duration randomHang = Duration.ZERO;
    private Random random = new Random(0);

    synchronized void enqueue(List<Fault> faults) {
        queue.addAll(faults);
    }

    synchronized void setRandom(double p500, double pTimeout, long seed, Duration hang) {
        if (p500 < 0 || pTimeout < 0 || p500 + pTimeout > 1) {
            throw new IllegalArgumentException(
                    "probabilities must be >= 0 and add up to at most 1, were " + p500 + " and " + pTimeout);
        }
        if (hang == null || hang.isNegative()) {
            throw new IllegalArgumentException("hang must be zero or positive, was " + hang);
        }
        this.p500 = p500;
        this.pTimeout = pTimeout;
        this.randomHang = hang;
        this.random = new Random(seed);
    }

    /** The fault for this create, if any; consumes a scripted fault. */
    synchronized Optional<Fault> next() {
        if (!queue.isEmpty()) {
            return Optional.of(queue.removeFirst());
        }
        if (p500 == 0 && pTimeout == 0) {
            return Optional.empty();
        }
        double draw = random.nextDouble();
        if (draw < p500) {
            return Optional.of(Fault.status(500));
        }
        if (draw < p500 + pTimeout) {
            return Optional.of(Fault.timeoutAfterCreate(randomHang));
        }
        return Optional.empty();
    }

    synchronized int pending() {
        return queue.size();
    }

    synchronized void clear() {
        queue.clear();
        p500 = 0;
        pTimeout = 0;
    }
}
