package io.provisioner.retry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What one poll decided, to be done in one transaction: records to forward to the requests topic,
 * records to put back at the end of their tier, and the offsets to commit past both. Not thread-safe.
 */
final class ForwardBatch {

    private final List<ConsumerRecord<byte[], byte[]>> due = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> requeue = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();

    /** Adds one partition's decision; {@code records} are the partition's fetched records, in offset order. */
    void add(TopicPartition tp, List<ConsumerRecord<byte[], byte[]>> records, DueTimes.Split<byte[], byte[]> split) {
        if (split.taken() == 0) {
            return;
        }
        ConsumerRecord<byte[], byte[]> last = records.get(split.taken() - 1);
        due.addAll(split.due());
        requeue.addAll(split.requeue());
        offsets.put(tp, new OffsetAndMetadata(last.offset() + 1, last.leaderEpoch(), ""));
    }

    boolean isEmpty() {
        return offsets.isEmpty();
    }

    List<ConsumerRecord<byte[], byte[]>> due() {
        return due;
    }

    List<ConsumerRecord<byte[], byte[]>> requeue() {
        return requeue;
    }

    Map<TopicPartition, OffsetAndMetadata> offsets() {
        return offsets;
    }
}
