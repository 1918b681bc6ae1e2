package io.provisioner.stream.internals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.provisioner.core.events.ProvisionRequest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * The provisioner's meters, in Prometheus form: {@code provisioner_requests_total{outcome}} (created,
 * unchanged, updated, revoked, retried, dead), {@code provisioner_retries_total{tier}}, {@code
 * provisioner_dead_letters_total{reason}}, the processing timer {@code
 * provisioner_processing_seconds{outcome}} and the histogram {@code provisioner_e2e_latency_seconds}:
 * from the row's commit in Postgres ({@code source.ts_ms}, set by cdc-bridge) to the stored key. Requests
 * without a commit time (the sweep, {@code dlt replay}, {@code reconcile --fix}) are left out of it: their
 * {@code requested_at} says when someone noticed the owner, not when the row changed. Every series exists
 * from the start (at zero), so that alerts and dashboards see it before the first event. The meters a
 * request records are looked up once per outcome and kept, not built and registered again per record.
 * Thread-safe.
 */
public final class StreamMetrics {

    /** The outcomes of {@code provisioner_requests_total}, as the contract names them. */
    public static final List<String> OUTCOMES =
            List.of("created", "unchanged", "updated", "revoked", "retried", "dead");

    private static final int CONTRACT_TIERS = 7;

    private static final double[] LATENCY_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600};

    private final MeterRegistry registry;
    private final DistributionSummary e2e;
    private final Map<String, Counter> requestCounters = new ConcurrentHashMap<>();
    private final Map<String, Timer> processingTimers = new ConcurrentHashMap<>();

    public StreamMetrics(MeterRegistry registry) {
        this.registry = registry;
        OUTCOMES.forEach(o -> requests(o));
        // the contract's tiers 1..7 exist from the start, so a dashboard's "retries per tier" has a series
        IntStream.rangeClosed(1, CONTRACT_TIERS).forEach(t -> retries(t));
        deadLetters("fatal");
        this.e2e = DistributionSummary.builder("provisioner.e2e.latency")
                .description("time from the row's commit in Postgres to its stored key (CDC requests only)")
                .baseUnit("seconds")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    /** Counts one processed request; the processor's "retrying" is counted as retried, "unreadable" as dead. */
    public void request(String outcome) {
        String name = "retrying".equals(outcome) ? "retried" : "unreadable".equals(outcome) ? "dead" : outcome;
        requestCounters.computeIfAbsent(name, this::requests).increment();
    }

    /** Records the end-to-end latency of a request whose key was just stored, when it carries a commit time. */
    public void stored(ProvisionRequest request, Clock clock) {
        Long ts = request.source() == null ? null : request.source().tsMs();
        if (ts != null && ts > 0) {
            e2e.record(Math.max(0, clock.millis() - ts) / 1000.0);
        }
    }

    private Counter requests(String outcome) {
        return Counter.builder("provisioner.requests")
                .description("requests processed, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    public void retry(int tier) {
        retries(tier).increment();
    }

    private Counter retries(int tier) {
        return Counter.builder("provisioner.retries")
                .description("requests sent to a retry topic, by tier")
                .tag("tier", Integer.toString(tier))
                .register(registry);
    }

    public void deadLetter(String reason) {
        deadLetters(reason).increment();
    }

    private Counter deadLetters(String reason) {
        return Counter.builder("provisioner.dead.letters")
                .description("records sent to the dead-letter topic, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    public Timer.Sample startTimer() {
        return Timer.start(registry);
    }

    public void stopTimer(Timer.Sample sample, String outcome) {
        sample.stop(processingTimers.computeIfAbsent(outcome, this::processing));
    }

    private Timer processing(String outcome) {
        return Timer.builder("provisioner.processing")
                .description("time to process one request, API and database calls included")
                .tag("outcome", outcome)
                .register(registry);
    }
}
