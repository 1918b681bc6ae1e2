package io.provisioner.runtime.lag;

import io.provisioner.core.topics.RetryHeaders;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Measures one consumer group's lag with Kafka's AdminClient: every partition of the group's topics,
 * committed or not, against the last stable offset (read_committed), so an open transaction is not lag.
 * The numbers equal {@code kafka-consumer-groups --describe} where that tool shows one, with two
 * deliberate differences: a never-committed partition counts from its earliest offset (the group will
 * start there; the tool shows "-"), and a partition where only transaction markers follow the committed
 * offset shows lag 0 (the tool shows a phantom 1). Status is left {@code OK}; {@link LagStatus} judges it.
 * Not thread-safe (the peeking consumer).
 */
public final class GroupLag {

    private static final Duration PEEK_TIMEOUT = Duration.ofSeconds(3);

    private final Admin admin;
    private final KafkaConsumer<byte[], byte[]> peeker;
    private final Clock clock;

    /** @param peeker a read_committed consumer without a group: it only assigns and seeks */
    public GroupLag(Admin admin, KafkaConsumer<byte[], byte[]> peeker, Clock clock) {
        this.admin = admin;
        this.peeker = peeker;
        this.clock = clock;
    }

    /** Reads {@code group} on {@code topics}; {@code retryTopics} are those whose records carry a due time. */
    public LagReading read(String group, Collection<String> topics, Set<String> retryTopics)
            throws ExecutionException, InterruptedException {
        List<TopicPartition> parts = partitions(topics);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, Long> ends = offsets(parts, OffsetSpec.latest());
        Map<TopicPartition, Long> starts = offsets(parts, OffsetSpec.earliest());
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition tp : parts) {
            OffsetAndMetadata c = committed.get(tp);
            from.put(tp, c == null ? starts.get(tp) : Math.max(c.offset(), starts.get(tp)));
        }
        Map<TopicPartition, Optional<ConsumerRecord<byte[], byte[]>>> heads = peek(from, ends);
        List<LagReading.PartitionLag> out = new ArrayList<>();
        long now = clock.millis();
        for (TopicPartition tp : parts) {
            OffsetAndMetadata c = committed.get(tp);
            Long at = c == null ? null : c.offset();
            out.add(row(tp, at, starts.get(tp), ends.get(tp), heads, retryTopics.contains(tp.topic()), now));
        }
        long total = out.stream().mapToLong(LagReading.PartitionLag::lag).sum();
        return new LagReading(group, LagReading.Status.OK, members(group), total, out, clock.instant());
    }

    /** Lag counts only where a readable record waits ({@code heads} has the partition). */
    private static LagReading.PartitionLag row(
            TopicPartition tp,
            Long committed,
            long start,
            long end,
            Map<TopicPartition, Optional<ConsumerRecord<byte[], byte[]>>> heads,
            boolean retryTopic,
            long now) {
        boolean pending = heads.containsKey(tp);
        ConsumerRecord<byte[], byte[]> head = pending ? heads.get(tp).orElse(null) : null;
        long lag = pending ? Math.max(0, end - (committed == null ? start : committed)) : 0;
        double seconds = head == null ? 0 : Math.max(0, now - head.timestamp()) / 1000.0;
        boolean waiting = head != null
                && retryTopic
                && RetryHeaders.number(head.headers(), RetryHeaders.DUE_AT).orElse(0L) > now;
        return new LagReading.PartitionLag(tp.topic(), tp.partition(), committed, start, end, lag, seconds, waiting);
    }

    private List<TopicPartition> partitions(Collection<String> topics) throws ExecutionException, InterruptedException {
        return admin.describeTopics(topics).allTopicNames().get().values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                .toList();
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> parts, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> request = parts.stream().collect(Collectors.toMap(tp -> tp, tp -> spec));
        return admin
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all()
                .get()
                .entrySet()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /**
     * The first readable record at or after {@code from} and before {@code end} per partition; absent
     * where there is none (nothing, or only transaction markers and aborted records, lie in between);
     * empty where it could not be read in time.
     */
    private Map<TopicPartition, Optional<ConsumerRecord<byte[], byte[]>>> peek(
            Map<TopicPartition, Long> from, Map<TopicPartition, Long> end) {
        List<TopicPartition> open = from.keySet().stream()
                .filter(tp -> from.get(tp) < end.get(tp))
                .collect(Collectors.toCollection(ArrayList::new));
        Map<TopicPartition, Optional<ConsumerRecord<byte[], byte[]>>> heads = new HashMap<>();
        if (open.isEmpty()) {
            return heads;
        }
        peeker.assign(open);
        open.forEach(tp -> peeker.seek(tp, from.get(tp)));
        long deadline = System.nanoTime() + PEEK_TIMEOUT.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : peeker.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (open.contains(tp) && r.offset() < end.get(tp)) {
                    heads.put(tp, Optional.of(r));
                    open.remove(tp);
                    peeker.pause(List.of(tp));
                }
            }
            open.removeIf(tp -> peeker.position(tp) >= end.get(tp));
        }
        open.forEach(tp -> heads.put(tp, Optional.empty())); // not read in time: count the lag, age unknown
        peeker.assign(List.of());
        return heads;
    }

    private int members(String group) throws InterruptedException {
        try {
            return admin.describeConsumerGroups(List.of(group))
                    .all()
                    .get()
                    .get(group)
                    .members()
                    .size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw new IllegalStateException("cannot describe consumer group " + group + ": " + e.getCause(), e);
        }
    }
}
