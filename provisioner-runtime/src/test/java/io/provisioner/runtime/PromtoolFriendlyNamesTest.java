package io.provisioner.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class PromtoolFriendlyNamesTest {

    @Test
    void meterInAbbreviatedUnitsAreDroppedGaugeCountSuffixesRenamedAndHelpFilledIn() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new PromtoolFriendlyNames());
        FunctionCounter.builder("kafka.consumer.io.time.ns.total", this, x -> 5).register(registry);
        FunctionCounter.builder("process.cpu.time", this, x -> 7).baseUnit("ns").register(registry);
        Gauge.builder("kafka.consumer.connection.count", () -> 2).register(registry);
        Gauge.builder("provisioner.consumer.lag", () -> 37)
                .description("records not yet consumed")
                .register(registry);

        String text = registry.scrape();

        assertThat(text)
                .contains("kafka_consumer_connection_number 2.0")
                .contains("# HELP kafka_consumer_connection_number kafka consumer connection count")
                .contains("provisioner_consumer_lag 37.0")
                .doesNotContain("_ns_", "connection_count", "nanoseconds", "process_cpu_time");
    }
}
