package io.provisioner.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.ports.RateLimiter;

/**
 * {@code provisioner_throttled_until_seconds}: while a {@code Retry-After} from OpenRouter pauses the
 * calls of this process (and, with the shared bucket, of every instance), the epoch second that pause
 * ends; 0 when not throttled. Read from the limiter at every scrape, so it agrees with {@code /health}.
 */
final class ThrottledGauge {

    private ThrottledGauge() {}

    static void register(MeterRegistry registry, RateLimiter limiter) {
        Gauge.builder("provisioner.throttled.until.seconds", limiter, l -> l.throttledUntil()
                        .map(t -> t.toEpochMilli() / 1000.0)
                        .orElse(0.0))
                .description(
                        "epoch seconds at which OpenRouter's Retry-After pause of calls ends; 0 when not throttled")
                .strongReference(true)
                .register(registry);
    }
}
