package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;

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
}
