package io.provisioner.cli;

import io.provisioner.testing.Infra;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads every record of a run's topics, aborted transactions included, for a {@link SecretScan}. */
final class TopicDump {

    private TopicDump() {}

    /** Scans key, value and every header of every record on the topics named {@code prefix...}; returns the count. */
    static long scanTopicsStartingWith(Infra infra, String prefix, SecretScan scan) throws Exception {
        List<String> topics;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            topics = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(prefix))
                    .sorted()
                    .toList();
        }
        long records = 0;
        for (String topic : topics) {
            records += scanTopic(infra, topic, scan);
        }
        return records;
    }

    private static long scanTopic(Infra infra, String topic, SecretScan scan) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", infra.bootstrapServers());
        p.put("isolation.level", "read_uncommitted");
        p.put("enable.auto.commit", "false");
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    records++;
                    scan.scan("topic " + topic + " key", r.key());
                    scan.scan("topic " + topic + " value", r.value());
                    for (Header h : r.headers()) {
                        scan.scan(
                                "topic " + topic + " header " + h.key(),
                                h.key() + "="
                                        + new String(
                                                h.value() == null ? new byte[0] : h.value(),
                                                java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return records;
    }
}
