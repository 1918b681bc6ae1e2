package io.provisioner.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code provisioner_up{component}}: 1 while the component is healthy (as {@code /health} reports it),
 * 0 while not. The health is read at every scrape, so the gauge and {@code /health} always agree.
 */
final class UpGauges {

    private UpGauges() {}

    static void register(
            MeterRegistry registry, Iterable<String> components, Supplier<Map<String, Pipeline.Health>> health) {
        for (String component : components) {
            Gauge.builder("provisioner.up", health, h -> {
                        Pipeline.Health c = h.get().get(component);
                        return c != null && c.up() ? 1 : 0;
                    })
                    .description("1 while the component is healthy, 0 while not")
                    .tag("component", component)
                    .strongReference(true)
                    .register(registry);
        }
    }
}
