package io.provisioner.retry;

import io.provisioner.core.topics.RetryHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * When a retry record is due, and which records of a fetched batch may go now. Pure and thread-safe.
 *
 * <p>The due time is the {@code provisioning-due-at} header (epoch ms). When that header is absent or
 * unreadable, it is the record's timestamp plus the delay of its retry tier, which is what the writer
 * meant: every record in tier {@code t} is due {@code tierDelay(t)} after it was written.
 */
public final class DueTimes {

    private DueTimes() {}

    /**
     * @param timestampMs the record's timestamp (epoch ms); negative (no timestamp) counts as the epoch
     * @param tierDelay the delay of the record's retry tier, used only without a readable header
     */
    public static Instant dueAt(Headers headers, long timestampMs, Duration tierDelay) {
        Optional<Long> header = RetryHeaders.number(headers, RetryHeaders.DUE_AT);
        if (header.isPresent()) {
            return Instant.ofEpochMilli(header.get());
        }
        return Instant.ofEpochMilli(Math.max(0, timestampMs)).plus(tierDelay);
    }

    public static Instant dueAt(ConsumerRecord<?, ?> record, Duration tierDelay) {
        return dueAt(record.headers(), record.timestamp(), tierDelay);
    }

    /** True when a record due at {@code dueAt} may be forwarded at {@code now}: never early. */
    public static boolean isDue(Instant dueAt, Instant now) {
        return !dueAt.isAfter(now);
    }

    /**
     * Splits one partition's records, in offset order, into the due prefix and the first record that
     * is not due yet. Records after that one are not looked at: the partition is in due order, and they
     * are fetched again once it is due.
     */
    public static <K, V> Split<K, V> split(List<ConsumerRecord<K, V>> records, Duration tierDelay, Instant now) {
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<K, V> r = records.get(i);
            Instant due = dueAt(r, tierDelay);
            if (!isDue(due, now)) {
                return new Split<>(List.copyOf(records.subList(0, i)), Optional.of(new Head(r.offset(), due)));
            }
        }
        return new Split<>(List.copyOf(records), Optional.empty());
    }

    /** The first record of a partition that is not due: where to seek back to, and when to look again. */
    public record Head(long offset, Instant dueAt) {}

    /** The records to forward now, and the head to wait for, if any. */
    public record Split<K, V>(List<ConsumerRecord<K, V>> due, Optional<Head> waiting) {}
}
