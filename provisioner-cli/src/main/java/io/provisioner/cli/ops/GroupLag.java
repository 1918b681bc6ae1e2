package io.provisioner.cli.ops;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag per group, topic and partition, from Kafka's AdminClient: committed offset, end offset,
 * lag in records, and lag in seconds (age of the oldest record not yet consumed).
 */
public final class GroupLag {

    /** One row of {@code provisioner lag}; {@code lagSeconds} is -1 when nothing is waiting. */
    public record Row(
            String group, String topic, int partition, long committed, long end, long lag, double lagSeconds) {}

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> peeker;
    private final Clock clock;

    public GroupLag(Admin admin, KafkaConsumer<byte[], byte[]> peeker, Clock clock) {
        this.admin = admin;
        this.peeker = peeker;
        this.clock = clock;
    }

    public List<Row> rows(Collection<String> groups, Set<String> topics)
            throws ExecutionException, InterruptedException {
        List<Row> rows = new ArrayList<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Map<TopicPartition, OffsetAndMetadata> ours = committed.entrySet().stream()
                    .filter(e -> topics.contains(e.getKey().topic()) && e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                            ours.keySet().stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all()
                    .get();
            ours.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey((a, b) -> a.topic().equals(b.topic())
                            ? Integer.compare(a.partition(), b.partition())
                            : a.topic().compareTo(b.topic())))
                    .forEach(e -> {
                        long c = e.getValue().offset();
                        long end = ends.get(e.getKey()).offset();
                        long lag = Math.max(0, end - c);
                        rows.add(new Row(
                                group,
                                e.getKey().topic(),
                                e.getKey().partition(),
                                c,
                                end,
                                lag,
                                lag == 0 ? -1 : ageOf(e.getKey(), c)));
                    });
        }
        return rows;
    }

    /** Seconds since the record at {@code offset} was written, or -1 if it cannot be read quickly. */
    private double ageOf(TopicPartition tp, long offset) {
        peeker.assign(List.of(tp));
        peeker.seek(tp, offset);
        for (ConsumerRecord<byte[], byte[]> r :
                peeker.poll(Duration.ofSeconds(2)).records(tp)) {
            return Math.max(0, clock.millis() - r.timestamp()) / 1000.0;
        }
        return -1;
    }
}
