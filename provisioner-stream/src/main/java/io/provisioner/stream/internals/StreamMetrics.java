package io.provisioner.stream.internals;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The provisioner's meters: {@code provisioner_requests_total{outcome}}, {@code
 * provisioner_retries_total{tier}}, {@code provisioner_dead_letters_total{reason}} and the processing
 * timer {@code provisioner_processing_seconds{outcome}}. Thread-safe.
 */
public final class StreamMetrics {

    private final MeterRegistry registry;

    public StreamMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void request(String outcome) {
        Counter.builder("provisioner.requests")
                .description("requests processed, by outcome")
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    public void retry(int tier) {
        Counter.builder("provisioner.retries")
                .description("requests sent to a retry topic, by tier")
                .tag("tier", Integer.toString(tier))
                .register(registry)
                .increment();
    }

    public void deadLetter(String reason) {
        Counter.builder("provisioner.dead.letters")
                .description("records sent to the dead-letter topic, by reason")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    public Timer.Sample startTimer() {
        return Timer.start(registry);
    }

    public void stopTimer(Timer.Sample sample, String outcome) {
        sample.stop(Timer.builder("provisioner.processing")
                .description("time to process one request, API and database calls included")
                .tag("outcome", outcome)
                .register(registry));
    }
}
