package io.provisioner.retry;

import io.provisioner.core.logging.RecordMdc;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll of the retry topics at a time: resume partitions whose head became due, poll no longer than
 * until the next head is due (at most a second), forward the due records in one transaction, and pause
 * each partition at its first record that is not due, seeking back to it. Not thread-safe; everything
 * but {@link Consumer#wakeup} runs on the polling thread.
 */
final class ForwardLoop {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardLoop.class);
    static final Duration MAX_POLL = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final TransactionalForwarder forwarder;
    private final Topics topics;
    private final RetryPolicy policy;
    private final Clock clock;
    private final RetryMetrics metrics;
    private final PartitionGate gate = new PartitionGate(MAX_POLL);

    ForwardLoop(
            Consumer<byte[], byte[]> consumer,
            TransactionalForwarder forwarder,
            Topics topics,
            RetryPolicy policy,
            Clock clock,
            RetryMetrics metrics) {
        this.consumer = consumer;
        this.forwarder = forwarder;
        this.topics = topics;
        this.policy = policy;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Subscribes to every retry topic of the prefix that exists, configured tier or not (records left in
     * tiers above a lowered {@code OR_MAX_ATTEMPTS} are still forwarded; with no tier at all the loop
     * idles), with the listener that keeps the gate in step with the assignment.
     */
    void subscribe() {
        consumer.subscribe(topics.retryTopicPattern(), new GateListener(consumer, gate, metrics));
    }

    /** One round: resume what is due, poll, forward, pause. */
    void pollOnce() {
        Instant now = clock.instant();
        Set<TopicPartition> due = gate.release(now);
        if (!due.isEmpty()) {
            consumer.resume(due);
            LOG.debug("resuming retry partitions {}: head due", due);
        }
        metrics.paused(gate.heldCount());
        ConsumerRecords<byte[], byte[]> records = consumer.poll(gate.pollTimeout(now));
        if (records.isEmpty()) {
            return;
        }
        metrics.fetched(records.count());
        ForwardBatch batch = new ForwardBatch();
        Instant decidedAt = clock.instant();
        for (TopicPartition tp : records.partitions()) {
            take(tp, records.records(tp), decidedAt, batch);
        }
        metrics.paused(gate.heldCount());
        if (!batch.isEmpty()) {
            forward(batch);
        }
    }

    private void take(
            TopicPartition tp, List<ConsumerRecord<byte[], byte[]>> records, Instant now, ForwardBatch batch) {
        DueTimes.Split<byte[], byte[]> split = DueTimes.split(records, tierDelay(tp.topic()), now);
        batch.add(tp, records, split);
        split.waiting().ifPresent(head -> {
            consumer.pause(List.of(tp));
            consumer.seek(tp, head.offset());
            gate.hold(tp, head.wakeAt());
            if (LOG.isDebugEnabled()) {
                byte[] key = records.get(split.taken()).key();
                try (var mdc = RecordMdc.of(keyText(key), tp.topic(), tp.partition(), head.offset())) {
                    LOG.debug(
                            "pausing {} at offset {} key {} until {}", tp, head.offset(), keyText(key), head.wakeAt());
                }
            }
        });
    }

    private void forward(ForwardBatch batch) {
        if (!forwarder.forward(batch.due(), batch.requeue(), batch.offsets(), consumer.groupMetadata())) {
            rewind();
            return;
        }
        Instant at = clock.instant();
        for (ConsumerRecord<byte[], byte[]> r : batch.due()) {
            int tier = topics.retryTierOf(r.topic()).orElse(0);
            Instant dueAt = DueTimes.dueAt(r, tierDelay(r.topic()));
            Duration late = PartitionGate.lateness(dueAt, at);
            metrics.forwarded(tier, late);
            try (var mdc = RecordMdc.of(keyText(r.key()), r.topic(), r.partition(), r.offset())) {
                LOG.debug(
                        "forwarded {}-{}@{} key {} due {} late {} ms",
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        keyText(r.key()),
                        dueAt,
                        late.toMillis());
            }
        }
        metrics.requeued(batch.requeue().size());
        for (ConsumerRecord<byte[], byte[]> r : batch.requeue()) {
            LOG.debug(
                    "put {}-{}@{} key {} back at the end of its tier: due {}, later than the tier's delay",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    keyText(r.key()),
                    DueTimes.dueAt(r, tierDelay(r.topic())));
        }
    }

    /** After an aborted transaction: forget every wait and read again from the committed offsets. */
    void rewind() {
        Set<TopicPartition> assigned = consumer.assignment();
        gate.forgetAll();
        metrics.paused(0);
        consumer.resume(assigned);
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        List<TopicPartition> fromStart = new ArrayList<>();
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata om = committed.get(tp);
            if (om == null) {
                fromStart.add(tp);
            } else {
                consumer.seek(tp, om);
            }
        }
        if (!fromStart.isEmpty()) {
            consumer.seekToBeginning(fromStart);
        }
        LOG.info("rewound {} retry partitions to their committed offsets", assigned.size());
    }

    int heldCount() {
        return gate.heldCount();
    }

    private Duration tierDelay(String topic) {
        return topics.retryTierOf(topic).map(policy::tierDelay).orElse(Duration.ZERO);
    }

    private static String keyText(byte[] key) {
        return key == null ? "null" : new String(key, StandardCharsets.UTF_8);
    }
}
