package io.provisioner.dev.bench;

import io.provisioner.core.kafka.KafkaClientSettings;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Counts the committed records of one topic, all partitions, from the beginning. Not thread-safe. */
final class TopicCounter implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> reader;
    private final String topic;
    private long count;

    TopicCounter(KafkaClientSettings kafka, String topic) {
        this.reader = new KafkaConsumer<>(
                kafka.readCommittedConsumer()
                        .set(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000)
                        .set(ConsumerConfig.CLIENT_ID_CONFIG, "bench-reader-" + UUID.randomUUID())
                        .build(),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        this.topic = topic;
    }

    /** Reads what arrived within 100 ms and returns the records counted so far; 0 while the topic is missing. */
    long count() {
        if (reader.assignment().isEmpty()) {
            List<TopicPartition> parts = reader.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            if (parts.isEmpty()) {
                return count;
            }
            reader.assign(parts);
            reader.seekToBeginning(parts);
        }
        count += reader.poll(Duration.ofMillis(100)).count();
        return count;
    }

    @Override
    public void close() {
        reader.close();
    }
}
