package io.provisioner.retry;

import io.provisioner.core.topics.RetryHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes retry records and reads what arrives on the requests topic, for integration tests. */
final class RetryTopics implements AutoCloseable {

    /** A record written to a retry topic: its key and when it is due. */
    record Waiting(String key, Instant dueAt) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> reader;
    private final List<ConsumerRecord<byte[], byte[]>> arrived = new ArrayList<>();

    RetryTopics(String bootstrap, String requestsTopic, int partitions) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // the topics are brand new: one request at a time avoids KAFKA-15591 (reordered first batches)
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        this.producer = new KafkaProducer<>(p);
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        this.reader = new KafkaConsumer<>(c);
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            tps.add(new TopicPartition(requestsTopic, i));
        }
        reader.assign(tps);
        reader.seekToBeginning(tps);
    }

    /** Writes a retry record due at {@code dueAt}, attempt 2, to one partition of {@code topic}. */
    Waiting write(String topic, int partition, String key, Instant dueAt) {
        return write(topic, partition, key, dueAt, null);
    }

    /** As {@link #write(String, int, String, Instant)}, with the record's timestamp (null: now). */
    Waiting write(String topic, int partition, String key, Instant dueAt, Instant writtenAt) {
        RecordHeaders h = new RecordHeaders();
        RetryHeaders.put(h, RetryHeaders.ATTEMPT, 2);
        RetryHeaders.put(h, RetryHeaders.DUE_AT, dueAt.toEpochMilli());
        Long timestamp = writtenAt == null ? null : writtenAt.toEpochMilli();
        producer.send(new ProducerRecord<>(topic, partition, timestamp, bytes(key), value(key), h));
        // the header carries epoch milliseconds, and record timestamps are milliseconds too
        return new Waiting(key, dueAt.truncatedTo(ChronoUnit.MILLIS));
    }

    void flush() {
        producer.flush();
    }

    /** Polls the requests topic (read_committed) once, briefly; returns everything arrived so far. */
    List<ConsumerRecord<byte[], byte[]>> arrived() {
        reader.poll(Duration.ofMillis(200)).forEach(arrived::add);
        return List.copyOf(arrived);
    }

    Map<String, Long> arrivalsPerKey() {
        return arrived().stream().collect(Collectors.groupingBy(r -> text(r.key()), Collectors.counting()));
    }

    static byte[] value(String key) {
        return bytes("{\"owner_type\":\"organization\",\"owner_id\":\"" + key + "\",\"op\":\"upsert\"}");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
        reader.close(Duration.ofSeconds(2));
    }
}
