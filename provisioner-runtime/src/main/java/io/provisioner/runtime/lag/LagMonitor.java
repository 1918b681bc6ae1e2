package io.provisioner.runtime.lag;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what {@code provisioner lag} shows as gauges, refreshed every {@code every} on its own
 * thread: {@code provisioner_consumer_lag{group,topic,partition}}, {@code
 * provisioner_consumer_lag_seconds{group,topic,partition}} and {@code
 * provisioner_consumer_group_status{group,status}} (1 for the current status, 0 for the others). A
 * failed refresh keeps the last figures and is logged. Lifecycle: construct, {@link #start()}, {@link
 * #close()}.
 */
public final class LagMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagMonitor.class);

    private final List<WatchedGroup> groups;
    private final Supplier<Admin> admins;
    private final Supplier<KafkaConsumer<byte[], byte[]>> peekers;
    private final Duration every;
    private final Clock clock;
    private final LagStatus status;
    private final MultiGauge lag;
    private final MultiGauge lagSeconds;
    private final MultiGauge groupStatus;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lag-monitor");
        t.setDaemon(true);
        return t;
    });
    private Admin admin;
    private KafkaConsumer<byte[], byte[]> peeker;

    public LagMonitor(
            List<WatchedGroup> groups,
            Supplier<Admin> admins,
            Supplier<KafkaConsumer<byte[], byte[]>> peekers,
            MeterRegistry registry,
            Clock clock,
            Duration every) {
        this.groups = groups;
        this.clock = clock;
        this.admins = admins;
        this.peekers = peekers;
        this.every = every;
        this.status = new LagStatus(
                Duration.ofMinutes(5).compareTo(every.multipliedBy(4)) > 0
                        ? Duration.ofMinutes(5)
                        : every.multipliedBy(4));
        this.lag = MultiGauge.builder("provisioner.consumer.lag")
                .description("records not yet consumed by the group (as provisioner lag shows)")
                .register(registry);
        this.lagSeconds = MultiGauge.builder("provisioner.consumer.lag.seconds")
                .description("age in seconds of the oldest record not yet consumed by the group")
                .register(registry);
        this.groupStatus = MultiGauge.builder("provisioner.consumer.group.status")
                .description("1 for the group's current status (OK, LAGGING, STALLED, STOPPED), else 0")
                .register(registry);
    }

    public LagMonitor start() {
        timer.scheduleWithFixedDelay(this::refreshQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("consumer lag not refreshed ({}); next try in {} s", e.toString(), every.toSeconds());
            closeClients();
        }
    }

    void refresh() throws Exception {
        if (admin == null) {
            admin = admins.get();
            peeker = peekers.get();
        }
        GroupLag reader = new GroupLag(admin, peeker, clock);
        List<MultiGauge.Row<?>> lags = new ArrayList<>();
        List<MultiGauge.Row<?>> ages = new ArrayList<>();
        List<MultiGauge.Row<?>> states = new ArrayList<>();
        for (WatchedGroup g : groups) {
            LagReading r = status.judge(g.read(reader));
            for (LagReading.PartitionLag p : r.partitions()) {
                Tags tags =
                        Tags.of("group", r.group(), "topic", p.topic(), "partition", Integer.toString(p.partition()));
                lags.add(MultiGauge.Row.of(tags, p.lag()));
                ages.add(MultiGauge.Row.of(tags, p.lagSeconds()));
            }
            for (LagReading.Status s : LagReading.Status.values()) {
                states.add(MultiGauge.Row.of(Tags.of("group", r.group(), "status", s.name()), s == r.status() ? 1 : 0));
            }
        }
        lag.register(lags, true);
        lagSeconds.register(ages, true);
        groupStatus.register(states, true);
    }

    private void closeClients() {
        if (peeker != null) {
            peeker.close();
        }
        if (admin != null) {
            admin.close();
        }
        peeker = null;
        admin = null;
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        closeClients();
    }
}
