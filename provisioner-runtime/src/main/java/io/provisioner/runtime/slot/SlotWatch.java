package io.provisioner.runtime.slot;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.db.slot.ReplicationSlots;
import io.provisioner.db.slot.SlotReading;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the pipeline's replication slot, whichever side streams from it (the embedded cdc-bridge or
 * Debezium on Kafka Connect), and serves it as gauges, each tagged {@code slot}:
 * {@code provisioner_replication_slot_retained_bytes} (WAL held back behind {@code restart_lsn}),
 * {@code provisioner_replication_slot_active} (1 while a consumer is connected),
 * {@code provisioner_replication_slot_wal_status{status}} (1 for the current {@code wal_status}, or
 * {@code missing}), {@code provisioner_replication_slot_safe_wal_size_bytes} (NaN where the server does not
 * limit it) and {@code provisioner_replication_slot_confirmed_flush_age_seconds} (time since its consumer
 * last confirmed a new position, 0 while nothing waits to be confirmed). All are NaN until the first
 * reading and while Postgres cannot be read.
 *
 * <p>A slot that is {@code lost}, or that was seen and is gone, is a {@link #problem()}: {@code /health}
 * reports it, and one ERROR line says how to recover. Thread-safe; {@link #refresh()} runs on its own
 * thread after {@link #start}, {@link #close()} once.
 */
public final class SlotWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotWatch.class);
    /** How often the slot is read; alerts assume at most a minute. */
    public static final Duration EVERY = Duration.ofSeconds(15);

    /** Reads the slot; {@link ReplicationSlots#read} in production. */
    public interface Reader {
        SlotReading read(String slot) throws SQLException;
    }

    private final String slot;
    private final Reader reader;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slot-watch");
        t.setDaemon(true);
        return t;
    });
    private volatile SlotReading last;
    private volatile String readFailure = "not read yet";
    private volatile Instant confirmedAt;
    private volatile String problem;
    private long lastConfirmed = -1;
    private boolean seen;

    public SlotWatch(String slot, Reader reader, MeterRegistry registry, Clock clock) {
        this.slot = slot;
        this.reader = reader;
        this.clock = clock;
        gauge(
                registry,
                "retained.bytes",
                "WAL the replication slot holds back (current LSN - restart_lsn)",
                r -> r.retainedBytes());
        gauge(registry, "active", "1 while a consumer streams from the replication slot", r -> r.active() ? 1 : 0);
        gauge(
                registry,
                "safe.wal.size.bytes",
                "WAL that can still be written before the slot may be invalidated; NaN when unlimited",
                r -> r.safeWalSize().map(Long::doubleValue).orElse(Double.NaN));
        Gauge.builder("provisioner.replication.slot.confirmed.flush.age.seconds", this, w -> w.confirmedAge())
                .description("seconds since the slot's consumer last confirmed a new position; 0 while caught up")
                .tag("slot", slot)
                .strongReference(true)
                .register(registry);
        for (String status : SlotReading.STATUSES) {
            Gauge.builder("provisioner.replication.slot.wal.status", this, w -> w.hasStatus(status))
                    .description("1 for the replication slot's wal_status (missing: no such slot), else 0")
                    .tag("slot", slot)
                    .tag("status", status)
                    .strongReference(true)
                    .register(registry);
        }
    }

    /** Reads the slot now and every {@code every} after, on a daemon thread. */
    public static SlotWatch start(
            String slot, DataSource dataSource, MeterRegistry registry, Clock clock, Duration every) {
        ReplicationSlots slots = new ReplicationSlots(dataSource);
        SlotWatch watch = new SlotWatch(slot, slots::read, registry, clock);
        watch.timer.scheduleWithFixedDelay(watch::refresh, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<SlotReading> value) {
        Gauge.builder("provisioner.replication.slot." + name, this, w -> {
                    SlotReading r = w.last;
                    return r == null ? Double.NaN : value.applyAsDouble(r);
                })
                .description(description)
                .tag("slot", slot)
                .strongReference(true)
                .register(registry);
    }

    /** One reading: updates the gauges and the problem, logging a change of the problem once. */
    public synchronized void refresh() {
        SlotReading r;
        try {
            r = reader.read(slot);
        } catch (SQLException | RuntimeException e) {
            last = null;
            readFailure = "cannot read pg_replication_slots: " + e.getClass().getSimpleName();
            return;
        }
        Instant now = clock.instant();
        if (r.exists() && (r.caughtUp() || r.confirmedFlushLsn() != lastConfirmed || confirmedAt == null)) {
            confirmedAt = now;
        }
        lastConfirmed = r.confirmedFlushLsn();
        last = r;
        readFailure = null;
        String found = problemOf(r);
        seen |= r.exists() && !r.lost();
        if (found != null && problem == null) {
            LOG.error("{}", found);
        } else if (found == null && problem != null) {
            LOG.info("replication slot {} is usable again ({})", slot, r.status());
        }
        problem = found;
    }

    private String problemOf(SlotReading r) {
        if (r.lost()) {
            return "replication slot " + slot + " is lost (wal_status lost: PostgreSQL removed WAL it still"
                    + " needed, see max_slot_wal_keep_size) and can never be read again; changes are not streamed."
                    + " To recover: 1. select pg_drop_replication_slot('" + slot + "'); 2. the cdc component (or"
                    + " the Kafka Connect connector) creates it again and, with CDC_SNAPSHOT_MODE=initial,"
                    + " snapshots the captured tables again (nobody gets a second key); 3. ./provisioner reconcile"
                    + " --fix repairs at once what the sweep would find later. See docs/operations.md,"
                    + " 'The replication slot is lost'";
        }
        if (!r.exists() && seen) {
            return "replication slot " + slot + " was dropped while the pipeline streams from it; changes are"
                    + " not streamed until it exists again. To recover: the cdc component (or the Kafka Connect"
                    + " connector) creates it again when it restarts and, with CDC_SNAPSHOT_MODE=initial, snapshots the"
                    + " captured tables again (nobody gets a second key); if it stays missing, restart it, then"
                    + " run ./provisioner reconcile --fix. See docs/operations.md, 'The replication slot is lost'";
        }
        return null;
    }

    /** Why the slot cannot be streamed from, when it cannot: lost, or dropped after it was seen. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** One line for {@code /health}: the problem, or wal_status, active and the WAL retained. */
    public String detail() {
        String p = problem;
        if (p != null) {
            return p;
        }
        SlotReading r = last;
        if (r == null) {
            return readFailure;
        }
        if (!r.exists()) {
            return "slot " + slot + " not created yet";
        }
        return "slot " + slot + " " + r.status() + (r.active() ? ", active" : ", inactive") + ", retains "
                + r.retainedBytes() + " bytes of WAL";
    }

    /** The last reading, if Postgres could be read. */
    public Optional<SlotReading> last() {
        return Optional.ofNullable(last);
    }

    private double hasStatus(String status) {
        SlotReading r = last;
        return r == null ? Double.NaN : status.equals(r.status()) ? 1 : 0;
    }

    private double confirmedAge() {
        Instant at = confirmedAt;
        SlotReading r = last;
        if (r == null || !r.exists() || at == null) {
            return Double.NaN;
        }
        if (r.caughtUp()) {
            return 0;
        }
        return Math.max(0, Duration.between(at, clock.instant()).toMillis() / 1000.0);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
