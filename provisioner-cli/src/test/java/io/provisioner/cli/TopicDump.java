package io.provisioner.cli;

import io.provisioner.testing.Infra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
        List<ConsumerRecord<byte[], byte[]>> all = readAll(infra, topic, "read_uncommitted");
        for (ConsumerRecord<byte[], byte[]> r : all) {
            scan.scan("topic " + topic + " key", r.key());
            scan.scan("topic " + topic + " value", r.value());
            for (Header h : r.headers()) {
                scan.scan(
                        "topic " + topic + " header " + h.key(),
                        h.key() + "="
                                + new String(h.value() == null ? new byte[0] : h.value(), StandardCharsets.UTF_8));
            }
        }
        return all.size();
    }

    /** Every record of {@code topic} written so far, read with the given {@code isolation.level}. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(Infra infra, String topic, String isolationLevel) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", infra.bootstrapServers());
        p.put("isolation.level", isolationLevel);
        p.put("enable.auto.commit", "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
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
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
