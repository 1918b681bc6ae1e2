package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionGateTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final TopicPartition P0 = new TopicPartition("p.retry.1", 0);
    private static final TopicPartition P1 = new TopicPartition("p.retry.1", 1);
    private static final TopicPartition Q0 = new TopicPartition("p.retry.2", 0);

    private final PartitionGate gate = new PartitionGate(Duration.ofSeconds(1));

    @Test
    void pollsAtMostOneSecondWhenNothingWaits() {
        assertThat(gate.pollTimeout(T0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void pollsUntilTheEarliestWaitingHeadIsDue() {
        gate.hold(P0, T0.plusMillis(700));
        gate.hold(P1, T0.plusMillis(250));

        assertThat(gate.pollTimeout(T0)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void pollTimeoutIsCappedAtOneSecondForFarHeads() {
        gate.hold(P0, T0.plus(Duration.ofHours(1)));

        assertThat(gate.pollTimeout(T0)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void pollTimeoutIsNeverZeroWhileEverythingWaits() {
        gate.hold(P0, T0.plusNanos(300_000));
        assertThat(gate.pollTimeout(T0)).isEqualTo(Duration.ofMillis(1));

        gate.hold(P0, T0);
        assertThat(gate.pollTimeout(T0)).isPositive();
        gate.hold(P0, T0.minusSeconds(1));
        assertThat(gate.pollTimeout(T0)).isPositive();
    }

    @Test
    void releasesOnlyPartitionsWhoseHeadIsDue() {
        gate.hold(P0, T0.plusSeconds(1));
        gate.hold(P1, T0.plusSeconds(5));

        assertThat(gate.release(T0.plusMillis(999))).isEmpty();
        assertThat(gate.release(T0.plusSeconds(1))).containsExactly(P0);
        assertThat(gate.isHeld(P0)).isFalse();
        assertThat(gate.isHeld(P1)).isTrue();
        assertThat(gate.heldCount()).isEqualTo(1);
    }

    @Test
    void forgetsRevokedPartitions() {
        gate.hold(P0, T0.plusSeconds(1));
        gate.hold(Q0, T0.plusSeconds(2));

        gate.forget(List.of(P0, P1));

        assertThat(gate.isHeld(P0)).isFalse();
        assertThat(gate.earliestDue()).contains(T0.plusSeconds(2));
    }

    @Test
    void waitingHeadIsNoticedNoLaterThanItsDueTimeWithoutBusyPolling() {
        MutableClock clock = new MutableClock(T0);
        Instant due = T0.plusMillis(3_450);
        gate.hold(P0, due);
        int polls = 0;

        while (gate.release(clock.instant()).isEmpty()) {
            clock.advance(gate.pollTimeout(clock.instant()));
            polls++;
        }

        assertThat(PartitionGate.lateness(due, clock.instant())).isLessThan(Duration.ofMillis(1));
        assertThat(polls).isEqualTo(4);
    }

    @Test
    void latenessIsTimeAfterDueAndNeverNegative() {
        assertThat(PartitionGate.lateness(T0, T0.plusMillis(420))).isEqualTo(Duration.ofMillis(420));
        assertThat(PartitionGate.lateness(T0, T0.minusMillis(5))).isZero();
    }
}
