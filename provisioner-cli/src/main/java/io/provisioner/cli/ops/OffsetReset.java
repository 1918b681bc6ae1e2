package io.provisioner.cli.ops;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Moves a consumer group's offsets on one topic to the beginning or to a point in time, as
 * {@code kafka-consumer-groups --reset-offsets} does; refuses while the group has members.
 */
public final class OffsetReset {

    /** One partition's move. */
    public record Move(int partition, Long from, long to) {}

    private final Admin admin;

    public OffsetReset(Admin admin) {
        this.admin = admin;
    }

    /** @throws IllegalStateException naming the group when it still has active members */
    public void requireInactive(String group) throws ExecutionException, InterruptedException {
        ConsumerGroupDescription d =
                admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        if (d != null && !d.members().isEmpty()) {
            throw new IllegalStateException(
                    "consumer group " + group + " is active (" + d.members().size() + " members, state "
                            + d.groupState() + "); stop the provisioner instances first");
        }
    }

    /** The moves that reset {@code topic} to {@code at} (null: the beginning). */
    public List<Move> plan(String group, String topic, Instant at) throws ExecutionException, InterruptedException {
        int partitions = admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get()
                .get(topic)
                .partitions()
                .size();
        Map<TopicPartition, OffsetSpec> spec = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        for (int p = 0; p < partitions; p++) {
            spec.put(
                    new TopicPartition(topic, p),
                    at == null ? OffsetSpec.earliest() : OffsetSpec.forTimestamp(at.toEpochMilli()));
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> target =
                admin.listOffsets(spec).all().get();
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                        spec.keySet().stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all()
                .get();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        return spec.keySet().stream()
                .map(tp -> {
                    long to = target.get(tp).offset();
                    // no record at or after the time: the end of the partition
                    long resolved = to < 0 ? ends.get(tp).offset() : to;
                    OffsetAndMetadata c = committed.get(tp);
                    return new Move(tp.partition(), c == null ? null : c.offset(), resolved);
                })
                .toList();
    }

    public void apply(String group, String topic, List<Move> moves) throws ExecutionException, InterruptedException {
        admin.alterConsumerGroupOffsets(
                        group,
                        moves.stream()
                                .collect(Collectors.toMap(
                                        m -> new TopicPartition(topic, m.partition()),
                                        m -> new OffsetAndMetadata(m.to()))))
                .all()
                .get();
    }
}
