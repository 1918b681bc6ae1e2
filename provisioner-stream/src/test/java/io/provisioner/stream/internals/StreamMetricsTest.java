package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StreamMetricsTest {

    @Test
    void retriesPerTierAreServedBeforeTheFirstRetry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        new StreamMetrics(registry);

        IntStream.rangeClosed(1, 7).forEach(tier -> assertThat(registry.find("provisioner.retries")
                        .tag("tier", Integer.toString(tier))
                        .counter())
                .as("tier %d", tier)
                .isNotNull());
    }

    /** The meters are kept per outcome: every record still lands in its own outcome's series. */
    @Test
    void eachRequestIsCountedAndTimedUnderItsOutcome() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StreamMetrics metrics = new StreamMetrics(registry);

        for (String outcome : new String[] {"created", "created", "retrying", "unreadable", "unchanged"}) {
            Timer.Sample sample = metrics.startTimer();
            metrics.request(outcome);
            metrics.stopTimer(sample, outcome);
        }

        assertThat(requests(registry, "created")).isEqualTo(2);
        assertThat(requests(registry, "retried")).isEqualTo(1);
        assertThat(requests(registry, "dead")).isEqualTo(1);
        assertThat(requests(registry, "unchanged")).isEqualTo(1);
        assertThat(timed(registry, "created")).isEqualTo(2);
        assertThat(timed(registry, "retrying")).isEqualTo(1);
        assertThat(timed(registry, "unreadable")).isEqualTo(1);
    }

    private static double requests(SimpleMeterRegistry registry, String outcome) {
        return registry.get("provisioner.requests")
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    private static long timed(SimpleMeterRegistry registry, String outcome) {
        return registry.get("provisioner.processing")
                .tag("outcome", outcome)
                .timer()
                .count();
    }
}
