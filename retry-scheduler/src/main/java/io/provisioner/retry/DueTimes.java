package io.provisioner.retry;

import io.provisioner.core.topics.RetryHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
     * Splits one partition's records, in offset order, into the due prefix, the records to put back at
     * the end of their tier, and the first record to wait for.
     *
     * <p>Every record of a tier is due at least the tier's delay after it was written (its timestamp),
     * so the records behind one written at {@code t} are due no earlier than {@code t + tierDelay}. A
     * record not due yet is waited for until its due time, but no longer than that bound; once the bound
     * has passed and it is still not due (a {@code Retry-After} longer than the tier's delay), it would
     * hold up records behind it, so it goes back to the end of its tier instead, headers and due time
     * kept. A record is thus re-written at most once per tier delay. Records after the one waited for are
     * not looked at: they are fetched again when it is.
     */
    public static <K, V> Split<K, V> split(List<ConsumerRecord<K, V>> records, Duration tierDelay, Instant now) {
        List<ConsumerRecord<K, V>> due = new ArrayList<>();
        List<ConsumerRecord<K, V>> requeue = new ArrayList<>();
        for (ConsumerRecord<K, V> r : records) {
            Instant dueAt = dueAt(r, tierDelay);
            if (isDue(dueAt, now)) {
                due.add(r);
                continue;
            }
            Instant behindDueFrom =
                    Instant.ofEpochMilli(Math.max(0, r.timestamp())).plus(tierDelay);
            if (!dueAt.isAfter(behindDueFrom) || now.isBefore(behindDueFrom)) {
                Instant wakeAt = dueAt.isAfter(behindDueFrom) ? behindDueFrom : dueAt;
                return new Split<>(List.copyOf(due), List.copyOf(requeue), Optional.of(new Head(r.offset(), wakeAt)));
            }
            requeue.add(r);
        }
        return new Split<>(List.copyOf(due), List.copyOf(requeue), Optional.empty());
    }

    /** The first record of a partition to wait for: where to seek back to, and when to look again. */
    public record Head(long offset, Instant wakeAt) {}

    /**
     * The records to forward now, those to put back at the end of their tier (in offset order; the
     * two lists together are a prefix of the partition's records), and the record to wait for, if any.
     */
    public record Split<K, V>(
            List<ConsumerRecord<K, V>> due, List<ConsumerRecord<K, V>> requeue, Optional<Head> waiting) {

        /** How many records, from the first, were dealt with. */
        public int taken() {
            return due.size() + requeue.size();
        }
    }
}
