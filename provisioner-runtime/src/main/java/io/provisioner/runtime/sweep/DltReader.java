package io.provisioner.runtime.sweep;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads a topic from a start offset up to the end it had when reading began; commits nothing. */
public final class DltReader {

    private final KafkaConsumer<byte[], byte[]> consumer;

    public DltReader(KafkaConsumer<byte[], byte[]> consumer) {
        this.consumer = consumer;
    }

    /** The last {@code limit} records of the topic (by partition end), oldest first. */
    public List<ConsumerRecord<byte[], byte[]>> last(String topic, int limit) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        readAll(topic, limit, out::add);
        out.sort(Comparator.comparingLong(ConsumerRecord::timestamp));
        return out.size() <= limit ? out : out.subList(out.size() - limit, out.size());
    }

    /** Every record up to the current end; {@code perPartitionTail} > 0 reads only that many per partition. */
    public void readAll(String topic, int perPartitionTail, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(parts);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts);
        for (TopicPartition tp : parts) {
            long start = perPartitionTail > 0 ? Math.max(begin.get(tp), end.get(tp) - perPartitionTail) : begin.get(tp);
            consumer.seek(tp, start);
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < end.get(tp)) {
                    sink.accept(r);
                }
            }
        }
    }
}
