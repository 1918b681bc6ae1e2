package io.provisioner.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Times every wait for a permit as the histogram {@code provisioner_rate_limit_wait_seconds{result}}
 * ({@code acquired} or {@code timed_out}), around the limiter it decorates. Thread-safe as the delegate.
 */
final class MeteredRateLimiter implements RateLimiter {

    private static final Duration[] BUCKETS = {
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)
    };

    private final RateLimiter delegate;
    private final Timer acquired;
    private final Timer timedOut;

    MeteredRateLimiter(RateLimiter delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.acquired = timer(registry, "acquired");
        this.timedOut = timer(registry, "timed_out");
    }

    private static Timer timer(MeterRegistry registry, String result) {
        return Timer.builder("provisioner.rate.limit.wait")
                .description("time spent waiting for an OpenRouter call permit")
                .tag("result", result)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
    }

    @Override
    public boolean acquire(Duration maxWait) throws InterruptedException {
        long start = System.nanoTime();
        boolean ok = delegate.acquire(maxWait);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        (ok ? acquired : timedOut).record(waited);
        return ok;
    }

    @Override
    public void rateLimited(Duration retryAfterOrNull) {
        delegate.rateLimited(retryAfterOrNull);
    }

    @Override
    public Optional<Instant> throttledUntil() {
        return delegate.throttledUntil();
    }
}
