package io.provisioner.retry;

import io.provisioner.core.topics.RetryHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/** Retry records for unit tests. */
final class Records {

    private Records() {}

    /** A retry record due at {@code dueAt}, written no earlier than its tier's delay before that. */
    static ConsumerRecord<byte[], byte[]> retry(String topic, int partition, long offset, Instant dueAt) {
        return retry(topic, partition, offset, dueAt, dueAt);
    }

    /** A retry record due at {@code dueAt}, written at {@code writtenAt} (its timestamp). */
    static ConsumerRecord<byte[], byte[]> retry(
            String topic, int partition, long offset, Instant dueAt, Instant writtenAt) {
        RecordHeaders h = new RecordHeaders();
        RetryHeaders.put(h, RetryHeaders.DUE_AT, dueAt.toEpochMilli());
        RetryHeaders.put(h, RetryHeaders.ATTEMPT, 2);
        return record(topic, partition, offset, writtenAt.toEpochMilli(), bytes("organization:" + offset), h);
    }

    static ConsumerRecord<byte[], byte[]> record(
            String topic, int partition, long offset, long timestamp, byte[] key, RecordHeaders headers) {
        return new ConsumerRecord<>(
                topic,
                partition,
                offset,
                timestamp,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                key,
                bytes("{\"owner_type\":\"organization\",\"owner_id\":\"" + offset + "\"}"),
                headers,
                Optional.empty());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
