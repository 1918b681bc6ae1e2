package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.RetryHeaders;
import io.provisioner.core.topics.Topics;
import io.provisioner.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForwardLoopTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final TopicPartition P0 = new TopicPartition("p.retry.1", 0);
    private static final TopicPartition P1 = new TopicPartition("p.retry.1", 1);
    private static final TopicPartition Q0 = new TopicPartition("p.retry.2", 0);

    private final MutableClock clock = new MutableClock(T0);
    private final Topics topics = new Topics("p", 4);
    private final RetryPolicy policy = new RetryPolicy(4, Duration.ofSeconds(1), 2, Duration.ofSeconds(4));
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final List<MockProducer<byte[], byte[]>> producers = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ForwardLoop loop;

    @BeforeEach
    void setUp() {
        TransactionalForwarder forwarder = new TransactionalForwarder(this::newProducer, "p.requests");
        loop = new ForwardLoop(consumer, forwarder, topics, policy, clock, new RetryMetrics(registry, 3));
        consumer.assign(List.of(P0, P1, Q0));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L, Q0, 0L));
    }

    private MockProducer<byte[], byte[]> newProducer() {
        MockProducer<byte[], byte[]> p =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        producers.add(p);
        return p;
    }

    private MockProducer<byte[], byte[]> producer() {
        return producers.get(producers.size() - 1);
    }

    @Test
    void forwardsDueRecordWithSameKeyValueAndHeadersInOneTransactionWithItsOffset() {
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.minusSeconds(1)));

        loop.pollOnce();

        ProducerRecord<byte[], byte[]> sent = producer().history().get(0);
        assertThat(sent.topic()).isEqualTo("p.requests");
        assertThat(sent.key()).isEqualTo(Records.bytes("organization:0"));
        assertThat(new String(sent.value())).contains("\"owner_id\":\"0\"");
        assertThat(RetryHeaders.number(sent.headers(), RetryHeaders.ATTEMPT)).contains(2L);
        assertThat(producer().transactionCommitted()).isTrue();
        assertThat(producer()
                        .consumerGroupOffsetsHistory()
                        .get(0)
                        .values()
                        .iterator()
                        .next())
                .containsEntry(P0, new OffsetAndMetadata(1));
    }

    @Test
    void pausesPartitionAtFirstRecordNotDueAndSeeksBackToIt() {
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.minusSeconds(1)));
        consumer.addRecord(Records.retry("p.retry.1", 0, 1, T0.plusSeconds(5)));
        consumer.addRecord(Records.retry("p.retry.1", 0, 2, T0.minusSeconds(1)));

        loop.pollOnce();

        assertThat(producer().history()).extracting(r -> new String(r.key())).containsExactly("organization:0");
        assertThat(consumer.paused()).containsExactly(P0);
        assertThat(consumer.position(P0)).isEqualTo(1);
        assertThat(registry.get("provisioner.retry.paused.partitions").gauge().value())
                .isEqualTo(1.0);
    }

    @Test
    void partitionWhoseHeadIsNotDueDoesNotHoldOthersBack() {
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.plusSeconds(60)));
        consumer.addRecord(Records.retry("p.retry.1", 1, 0, T0.minusMillis(1)));
        consumer.addRecord(Records.retry("p.retry.2", 0, 0, T0));

        loop.pollOnce();

        assertThat(producer().history()).hasSize(2);
        assertThat(consumer.paused()).containsExactly(P0);
    }

    @Test
    void resumesPausedPartitionWhenItsHeadIsDueAndForwardsIt() {
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.plusSeconds(5)));
        loop.pollOnce();
        assertThat(forwarded()).isEmpty();

        clock.advance(Duration.ofSeconds(5));
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.plusSeconds(5)));
        loop.pollOnce();

        assertThat(consumer.paused()).isEmpty();
        assertThat(producer().history()).hasSize(1);
        assertThat(registry.get("provisioner.retry.forwarded")
                        .tag("tier", "1")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("provisioner.retry.lateness").timer().count()).isEqualTo(1);
    }

    @Test
    void recordDueLongAfterItsTierDelayGoesBackToItsTierInTheSameTransactionAsTheRecordBehindIt() {
        TopicPartition last = new TopicPartition("p.retry.3", 0);
        consumer.assign(List.of(P0, P1, Q0, last));
        consumer.updateBeginningOffsets(Map.of(last, 0L));
        consumer.addRecord(Records.retry("p.retry.3", 0, 0, T0.plus(Duration.ofHours(2)), T0.minusSeconds(4)));
        consumer.addRecord(Records.retry("p.retry.3", 0, 1, T0.minusMillis(1), T0.minusSeconds(4)));

        loop.pollOnce();

        assertThat(producer().history())
                .extracting(ProducerRecord::topic, ProducerRecord::partition)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("p.requests", null),
                        org.assertj.core.groups.Tuple.tuple("p.retry.3", 0));
        ProducerRecord<byte[], byte[]> back = producer().history().stream()
                .filter(r -> r.topic().equals("p.retry.3"))
                .findFirst()
                .orElseThrow();
        assertThat(RetryHeaders.number(back.headers(), RetryHeaders.DUE_AT))
                .contains(T0.plus(Duration.ofHours(2)).toEpochMilli());
        assertThat(producer().transactionCommitted()).isTrue();
        assertThat(producer()
                        .consumerGroupOffsetsHistory()
                        .get(0)
                        .values()
                        .iterator()
                        .next())
                .containsEntry(last, new OffsetAndMetadata(2));
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void forwardsRecordsWithNullOrGarbageKeyUnchanged() {
        byte[] garbage = {(byte) 0xc3, (byte) 0x28, 0x00};
        consumer.addRecord(
                Records.record("p.retry.1", 0, 0, T0.minusSeconds(9).toEpochMilli(), null, new RecordHeaders()));
        consumer.addRecord(
                Records.record("p.retry.1", 0, 1, T0.minusSeconds(9).toEpochMilli(), garbage, new RecordHeaders()));

        loop.pollOnce();

        assertThat(producer().history()).extracting(ProducerRecord::key).containsExactly(null, garbage);
    }

    @Test
    void recordWithoutDueHeaderWaitsForItsTierDelayAfterItsTimestamp() {
        consumer.addRecord(
                Records.record("p.retry.2", 0, 0, T0.toEpochMilli(), Records.bytes("k"), new RecordHeaders()));

        loop.pollOnce();

        assertThat(consumer.paused()).containsExactly(Q0);
        clock.advance(Duration.ofMillis(1_999));
        loop.pollOnce();
        assertThat(consumer.paused()).containsExactly(Q0);
        clock.advance(Duration.ofMillis(1));
        loop.pollOnce();
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void abortedTransactionForwardsNothingAndRewindsToCommittedOffsets() {
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(0)));
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.minusSeconds(1)));
        consumer.addRecord(Records.retry("p.retry.1", 0, 1, T0.minusSeconds(1)));
        newProducerFailingCommit();

        loop.pollOnce();

        assertThat(producer().transactionAborted()).isTrue();
        assertThat(producer().history()).isEmpty();
        assertThat(consumer.position(P0)).isZero();
    }

    @Test
    void fencedProducerIsReplacedAndForwardingGoesOn() {
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.minusSeconds(1)));
        loop.pollOnce();
        MockProducer<byte[], byte[]> first = producer();
        first.fenceProducer();

        consumer.addRecord(Records.retry("p.retry.1", 0, 1, T0.minusSeconds(1)));
        loop.pollOnce();
        assertThat(first.closed()).isTrue();
        consumer.addRecord(Records.retry("p.retry.1", 0, 1, T0.minusSeconds(1)));
        loop.pollOnce();

        assertThat(producers).hasSize(2);
        assertThat(producer().history()).extracting(r -> new String(r.key())).containsExactly("organization:1");
    }

    private List<ProducerRecord<byte[], byte[]>> forwarded() {
        return producers.stream().flatMap(p -> p.history().stream()).toList();
    }

    private void newProducerFailingCommit() {
        MockProducer<byte[], byte[]> p = newProducer();
        producers.remove(p);
        p.commitTransactionException = new KafkaException("broker went away");
        producers.add(p);
        TransactionalForwarder forwarder = new TransactionalForwarder(() -> p, "p.requests");
        loop = new ForwardLoop(
                consumer, forwarder, topics, policy, clock, new RetryMetrics(new SimpleMeterRegistry(), 3));
    }
}
