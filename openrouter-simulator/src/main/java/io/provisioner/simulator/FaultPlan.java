package io.provisioner.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The faults the next calls of one endpoint ({@code POST /keys}, or {@code DELETE /keys/{hash}}) suffer:
 * scripted ones first, then random ones. Thread-safe.
 */
final class FaultPlan {
    private final Deque<Fault> queue = new ArrayDeque<>();
    private final Map<String, Deque<Fault>> byName = new HashMap<>();
    private final Map<String, Fault> alwaysByName = new HashMap<>();
    private Map<Fault, Double> randomMix = Map.of();
    private Random random = new Random(0);

    synchronized void enqueue(List<Fault> faults) {
        queue.addAll(faults);
    }

    synchronized void setRandom(double p500, double pTimeout, long seed, Duration hang) {
        if (hang == null || hang.isNegative()) {
            throw new IllegalArgumentException("hang must be zero or positive, was " + hang);
        }
        Map<Fault, Double> mix = new LinkedHashMap<>();
        mix.put(Fault.status(500), p500);
        mix.put(Fault.timeoutAfterCreate(hang), pTimeout);
        setRandom(mix, seed);
    }

    /** Each create suffers one of the faults with its probability (in the map's order), or none. */
    synchronized void setRandom(Map<Fault, Double> probabilities, long seed) {
        double sum = 0;
        for (double p : probabilities.values()) {
            if (p < 0) {
                throw new IllegalArgumentException("probabilities must be >= 0, were " + probabilities.values());
            }
            sum += p;
        }
        if (sum > 1) {
            throw new IllegalArgumentException(
                    "probabilities must add up to at most 1, were " + probabilities.values());
        }
        this.randomMix = new LinkedHashMap<>(probabilities);
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
        if (randomMix.isEmpty()) {
            return Optional.empty();
        }
        double draw = random.nextDouble();
        double bound = 0;
        for (Map.Entry<Fault, Double> e : randomMix.entrySet()) {
            bound += e.getValue();
            if (draw < bound) {
                return Optional.of(e.getKey());
            }
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
        randomMix = Map.of();
    }
}
