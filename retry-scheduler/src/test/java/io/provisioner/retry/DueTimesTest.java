package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.topics.RetryHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DueTimesTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration TIER = Duration.ofSeconds(30);

    @Test
    void readsDueTimeFromHeader() {
        RecordHeaders h = new RecordHeaders();
        RetryHeaders.put(h, RetryHeaders.DUE_AT, T0.plusSeconds(90).toEpochMilli());

        assertThat(DueTimes.dueAt(h, T0.toEpochMilli(), TIER)).isEqualTo(T0.plusSeconds(90));
    }

    @Test
    void fallsBackToTimestampPlusTierDelayWithoutHeader() {
        assertThat(DueTimes.dueAt(new RecordHeaders(), T0.toEpochMilli(), TIER)).isEqualTo(T0.plus(TIER));
    }

    @Test
    void fallsBackToTimestampPlusTierDelayWhenHeaderIsGarbage() {
        RecordHeaders h = new RecordHeaders();
        h.add(RetryHeaders.DUE_AT, new byte[] {(byte) 0xff, 0x00, 'x'});

        assertThat(DueTimes.dueAt(h, T0.toEpochMilli(), TIER)).isEqualTo(T0.plus(TIER));
    }

    @Test
    void recordWithoutTimestampOrHeaderIsDueAtOnce() {
        assertThat(DueTimes.dueAt(new RecordHeaders(), -1L, TIER)).isBefore(T0);
    }

    @Test
    void recordDueExactlyNowIsDueButOneMillisecondLaterIsNot() {
        assertThat(DueTimes.isDue(T0, T0)).isTrue();
        assertThat(DueTimes.isDue(T0.plusMillis(1), T0)).isFalse();
    }

    @Test
    void splitForwardsDuePrefixAndWaitsAtFirstRecordNotDue() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                Records.retry("p.retry.1", 0, 10, T0.minusSeconds(5)),
                Records.retry("p.retry.1", 0, 11, T0),
                Records.retry("p.retry.1", 0, 12, T0.plusSeconds(3)),
                Records.retry("p.retry.1", 0, 13, T0.minusSeconds(1)));

        DueTimes.Split<byte[], byte[]> split = DueTimes.split(records, TIER, T0);

        assertThat(split.due()).extracting(ConsumerRecord::offset).containsExactly(10L, 11L);
        assertThat(split.waiting()).contains(new DueTimes.Head(12, T0.plusSeconds(3)));
    }

    @Test
    void splitForwardsEverythingWhenAllDue() {
        List<ConsumerRecord<byte[], byte[]>> records =
                List.of(Records.retry("p.retry.1", 0, 1, T0.minusSeconds(2)), Records.retry("p.retry.1", 0, 2, T0));

        DueTimes.Split<byte[], byte[]> split = DueTimes.split(records, TIER, T0);

        assertThat(split.due()).hasSize(2);
        assertThat(split.waiting()).isEmpty();
    }

    @Test
    void recordDueLongAfterItsTierDelayIsWaitedForOnlyUntilTheRecordsBehindItMayBeDue() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                Records.retry("p.retry.7", 0, 5, T0.plus(Duration.ofHours(3)), T0.minusSeconds(10)),
                Records.retry("p.retry.7", 0, 6, T0.plusSeconds(20), T0.minusSeconds(10)));

        DueTimes.Split<byte[], byte[]> split = DueTimes.split(records, TIER, T0);

        assertThat(split.due()).isEmpty();
        assertThat(split.requeue()).isEmpty();
        assertThat(split.waiting()).contains(new DueTimes.Head(5, T0.plusSeconds(20)));
    }

    @Test
    void recordStillNotDueOnceTheRecordsBehindItMayBeDueGoesBackToTheEndOfItsTier() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                Records.retry("p.retry.7", 0, 5, T0.plus(Duration.ofHours(3)), T0.minus(TIER)),
                Records.retry("p.retry.7", 0, 6, T0, T0.minus(TIER)),
                Records.retry("p.retry.7", 0, 7, T0.plusSeconds(1), T0.minusSeconds(29)));

        DueTimes.Split<byte[], byte[]> split = DueTimes.split(records, TIER, T0);

        assertThat(split.requeue()).extracting(ConsumerRecord::offset).containsExactly(5L);
        assertThat(split.due()).extracting(ConsumerRecord::offset).containsExactly(6L);
        assertThat(split.taken()).isEqualTo(2);
        assertThat(split.waiting()).contains(new DueTimes.Head(7, T0.plusSeconds(1)));
    }
}
