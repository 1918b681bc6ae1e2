package io.provisioner.runtime.slot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.db.slot.SlotReading;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SlotWatchTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final AtomicReference<Object> next = new AtomicReference<>();
    private final SlotWatch watch = new SlotWatch("s", this::read, registry, clock);

    private SlotReading read(String slot) throws SQLException {
        Object r = next.get();
        if (r instanceof SQLException e) {
            throw e;
        }
        return (SlotReading) r;
    }

    private static SlotReading slot(String walStatus, boolean active, long retained, long confirmed, long current) {
        return new SlotReading("s", true, active, walStatus, retained, Optional.of(1000L), confirmed, current);
    }

    private static SlotReading missing() {
        return new SlotReading("s", false, false, null, 0, Optional.empty(), 0, 500);
    }

    private double gauge(String name, String status) {
        var s = registry.find("provisioner.replication.slot." + name).tag("slot", "s");
        return (status == null ? s : s.tag("status", status)).gauge().value();
    }

    @Test
    void gaugesShowTheReadingAndAreNaNBeforeIt() {
        assertThat(gauge("retained.bytes", null)).isNaN();

        next.set(slot("reserved", true, 4096, 100, 200));
        watch.refresh();

        assertThat(gauge("retained.bytes", null)).isEqualTo(4096);
        assertThat(gauge("active", null)).isEqualTo(1);
        assertThat(gauge("safe.wal.size.bytes", null)).isEqualTo(1000);
        assertThat(gauge("wal.status", "reserved")).isEqualTo(1);
        assertThat(gauge("wal.status", "lost")).isZero();
        assertThat(watch.problem()).isEmpty();
    }

    @Test
    void confirmedFlushAgeGrowsWhileThePositionStandsAndIsZeroWhenCaughtUp() {
        next.set(slot("reserved", true, 10, 100, 200));
        watch.refresh();
        now.set(now.get().plusSeconds(40));
        next.set(slot("reserved", true, 10, 100, 300));
        watch.refresh();
        assertThat(gauge("confirmed.flush.age.seconds", null)).isEqualTo(40);

        next.set(slot("reserved", true, 10, 300, 300));
        watch.refresh();
        assertThat(gauge("confirmed.flush.age.seconds", null)).isZero();
    }

    @Test
    void aLostSlotIsAProblemWithTheRecoverySteps() {
        next.set(slot("lost", false, 0, 100, 900));
        watch.refresh();

        assertThat(watch.problem()).hasValueSatisfying(p -> assertThat(p)
                .contains("is lost", "pg_drop_replication_slot('s')", "snapshots the captured tables again"));
        assertThat(gauge("wal.status", "lost")).isEqualTo(1);
        assertThat(watch.detail()).isEqualTo(watch.problem().orElseThrow());
    }

    @Test
    void aMissingSlotIsAProblemOnlyOnceItWasSeenAndEndsWhenItIsBack() {
        next.set(missing());
        watch.refresh();
        assertThat(watch.problem()).isEmpty();
        assertThat(gauge("wal.status", "missing")).isEqualTo(1);

        next.set(slot("reserved", true, 10, 100, 200));
        watch.refresh();
        next.set(missing());
        watch.refresh();
        assertThat(watch.problem()).hasValueSatisfying(p -> assertThat(p).contains("was dropped"));

        next.set(slot("reserved", true, 10, 200, 200));
        watch.refresh();
        assertThat(watch.problem()).isEmpty();
    }

    @Test
    void anUnreadablePostgresMakesTheGaugesNaN() {
        next.set(slot("reserved", true, 10, 100, 200));
        watch.refresh();
        next.set(new SQLException("connection refused"));
        watch.refresh();

        assertThat(gauge("retained.bytes", null)).isNaN();
        assertThat(watch.detail()).contains("cannot read pg_replication_slots");
    }
}
