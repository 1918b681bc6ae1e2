package io.provisioner.retry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scheduler's meters. In Prometheus form: {@code provisioner_retry_forwarded_total{tier}},
 * {@code provisioner_retry_paused_partitions}, {@code provisioner_retry_lateness_seconds} (forward
 * time minus due time) and {@code provisioner_retry_fetched_records_total} (records the consumer
 * handed over; stays near partitions x max.poll.records while everything waits) and
 * {@code provisioner_retry_requeued_records_total} (records whose {@code Retry-After} outlasts their
 * tier's delay, put back at the end of the tier so as not to hold up the records behind). Thread-safe.
 */
final class RetryMetrics {

    private final MeterRegistry registry;
    private final Map<Integer, Counter> forwarded = new ConcurrentHashMap<>();
    private final AtomicInteger paused = new AtomicInteger();
    private final Timer lateness;
    private final Counter fetched;
    private final Counter requeued;

    RetryMetrics(MeterRegistry registry, int tiers) {
        this.registry = registry;
        for (int t = 1; t <= tiers; t++) {
            forwardedCounter(t);
        }
        Gauge.builder("provisioner.retry.paused.partitions", paused, AtomicInteger::get)
                .description("retry partitions whose head record is not due yet")
                .register(registry);
        this.lateness = Timer.builder("provisioner.retry.lateness")
                .description("time between a record's due time and its forwarding")
                .serviceLevelObjectives(
                        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(registry);
        this.fetched = Counter.builder("provisioner.retry.fetched.records")
                .description("records the consumer handed to the scheduler, due or not")
                .register(registry);
        this.requeued = Counter.builder("provisioner.retry.requeued.records")
                .description("records not due long after their tier's delay, put back at the end of their tier")
                .register(registry);
    }

    /** {@code tier} may lie above the configured tiers: a topic left from a configuration with more attempts. */
    void forwarded(int tier, Duration late) {
        forwardedCounter(tier).increment();
        lateness.record(late);
    }

    private Counter forwardedCounter(int tier) {
        return forwarded.computeIfAbsent(tier, t -> Counter.builder("provisioner.retry.forwarded")
                .description("records sent from a retry topic back to the requests topic")
                .tag("tier", Integer.toString(t))
                .register(registry));
    }

    void paused(int count) {
        paused.set(count);
    }

    void requeued(int count) {
        requeued.increment(count);
    }

    void fetched(int count) {
        fetched.increment(count);
    }
}
