package io.provisioner.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.runtime.lag.LagMonitor;
import io.provisioner.runtime.lag.WatchedGroup;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The meters every {@code provisioner run} process serves besides its components' own: JVM metrics,
 * {@code provisioner_up{component}} (the database and each component) and the consumer-lag gauges of {@link LagMonitor}. {@link #close()}
 * stops what it started.
 */
final class Observability implements AutoCloseable {

    /** How often the lag gauges are refreshed; alerts assume at most 15 s. */
    static final Duration LAG_REFRESH = Duration.ofSeconds(10);

    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final LagMonitor lag;

    private Observability(LagMonitor lag) {
        this.lag = lag;
    }

    static Observability start(
            ProvisionerConfig config,
            MeterRegistry registry,
            String streamGroup,
            String retryGroup,
            Iterable<String> components,
            Supplier<Map<String, Pipeline.Health>> health,
            Clock clock) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        List<String> names = new ArrayList<>(List.of("database"));
        components.forEach(names::add);
        UpGauges.register(registry, names, health);
        LagMonitor monitor = new LagMonitor(
                WatchedGroup.of(config.topics(), streamGroup, retryGroup),
                () -> KafkaClients.admin(config),
                () -> KafkaClients.reader(config),
                registry,
                LAG_REFRESH,
                clock);
        Observability o = new Observability(monitor);
        o.gc.bindTo(registry);
        monitor.start();
        return o;
    }

    @Override
    public void close() throws Exception {
        lag.close();
        gc.close();
    }
}
