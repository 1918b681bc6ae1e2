package io.provisioner.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** The faults the next {@code POST /keys} calls suffer: scripted ones first, then random ones. Thread-safe. */
final class FaultPlan {
    private final Deque<Fault> queue = new ArrayDeque<>();
    private final Map<String, Deque<Fault>> byName = new HashMap<>();
    private final Map<String, Fault> alwaysByName = new HashMap<>();
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

    synchronized void enqueueFor(String name, List<Fault> faults) {
        byName.computeIfAbsent(name, n -> new ArrayDeque<>()).addAll(faults);
    }

    synchronized void always(String name, Fault fault) {
        if (fault == null) {
            alwaysByName.remove(name);
        } else {
            alwaysByName.put(name, fault);
        }
    }

    /** The fault for this create of a key named {@code name} (may be null), if any; consumes a scripted fault. */
    synchronized Optional<Fault> next(String name) {
        Deque<Fault> own = name == null ? null : byName.get(name);
        if (own != null && !own.isEmpty()) {
            return Optional.of(own.removeFirst());
        }
        if (name != null && alwaysByName.containsKey(name)) {
            return Optional.of(alwaysByName.get(name));
        }
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
        byName.clear();
        alwaysByName.clear();
        p500 = 0;
        pTimeout = 0;
    }
}
