package io.provisioner.runtime.connect;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Watches the CDC connector on Kafka Connect when {@code CDC_CONNECT_URL} is set, and serves
 * {@code provisioner_connect_connector_state{connector,state}} (1 for the current state) and
 * {@code provisioner_connect_tasks{connector,state}} (tasks in each state). Thread-safe; reads on its
 * own thread after {@link #start}, {@link #close()} once.
 */
public final class ConnectWatch implements AutoCloseable {

    private final Supplier<ConnectorStatus> reader;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "connect-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile ConnectorStatus last;

    public ConnectWatch(String connector, Supplier<ConnectorStatus> reader, MeterRegistry registry) {
        this.reader = reader;
        this.last = new ConnectorStatus(connector, "UNREACHABLE", "not read yet", java.util.List.of());
        for (String state : ConnectorStatus.STATES) {
            Gauge.builder("provisioner.connect.connector.state", this, w -> state.equals(w.last.state()) ? 1 : 0)
                    .description("1 for the state of the CDC connector on Kafka Connect, else 0")
                    .tag("connector", connector)
                    .tag("state", state)
                    .strongReference(true)
                    .register(registry);
        }
        for (String state : ConnectorStatus.TASK_STATES) {
            Gauge.builder("provisioner.connect.tasks", this, w -> w.last.tasks().stream()
                            .filter(t -> state.equals(t.state()))
                            .count())
                    .description("tasks of the CDC connector on Kafka Connect in each state")
                    .tag("connector", connector)
                    .tag("state", state)
                    .strongReference(true)
                    .register(registry);
        }
    }

    public static ConnectWatch start(ConnectClient client, MeterRegistry registry, Duration every) {
        ConnectWatch watch = new ConnectWatch(client.connector(), client::status, registry);
        watch.timer.scheduleWithFixedDelay(watch::refresh, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    public void refresh() {
        last = reader.get();
    }

    public ConnectorStatus last() {
        return last;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
