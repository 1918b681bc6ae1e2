package io.provisioner.retry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records to the requests topic and commits the consumed offsets in the same transaction, so a
 * crash neither loses nor doubles a forwarded record. A fenced or otherwise broken producer is closed
 * and replaced by a fresh one on the next call. Not thread-safe; owned by the polling thread.
 */
final class TransactionalForwarder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalForwarder.class);

    private final Supplier<Producer<byte[], byte[]>> factory;
    private final String targetTopic;
    private Producer<byte[], byte[]> producer;
    private boolean inTransaction;

    TransactionalForwarder(Supplier<Producer<byte[], byte[]>> factory, String targetTopic) {
        this.factory = factory;
        this.targetTopic = targetTopic;
    }

    /**
     * Forwards {@code records} (same key, value and headers), writes {@code requeue} again at the end of
     * the partition each was read from (same key, value and headers, a new timestamp), and commits
     * {@code offsets} for the group, all in one transaction.
     *
     * @return true when committed; false when the transaction was aborted, after which the caller must
     *     rewind its consumer to the committed offsets
     */
    boolean forward(
            List<ConsumerRecord<byte[], byte[]>> records,
            List<ConsumerRecord<byte[], byte[]>> requeue,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group) {
        try {
            ensureProducer();
            producer.beginTransaction();
            inTransaction = true;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                producer.send(new ProducerRecord<>(targetTopic, null, r.key(), r.value(), r.headers()));
            }
            for (ConsumerRecord<byte[], byte[]> r : requeue) {
                producer.send(new ProducerRecord<>(r.topic(), r.partition(), null, r.key(), r.value(), r.headers()));
            }
            producer.sendOffsetsToTransaction(offsets, group);
            producer.commitTransaction();
            inTransaction = false;
            return true;
        } catch (ProducerFencedException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            LOG.warn(
                    "retry forwarding producer cannot go on ({}); replacing it",
                    e.getClass().getSimpleName());
            discardProducer();
            return false;
        } catch (KafkaException e) {
            LOG.warn("aborting retry forwarding transaction: {}", e.toString());
            abortOrDiscard();
            return false;
        }
    }

    /** Creates the producer and initializes transactions now rather than on the first record. */
    void ensureProducer() {
        if (producer == null) {
            Producer<byte[], byte[]> p = factory.get();
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ZERO);
                throw e;
            }
            producer = p;
            inTransaction = false;
        }
    }

    private void abortOrDiscard() {
        try {
            if (inTransaction) {
                producer.abortTransaction();
            }
            inTransaction = false;
        } catch (KafkaException e) {
            LOG.warn("could not abort the retry forwarding transaction ({}); replacing the producer", e.toString());
            discardProducer();
        }
    }

    private void discardProducer() {
        if (producer != null) {
            producer.close(Duration.ZERO);
        }
        producer = null;
        inTransaction = false;
    }

    /** Aborts an open transaction (graceful close) and closes the producer within {@code timeout}. */
    void close(Duration timeout) {
        if (producer != null && inTransaction) {
            abortOrDiscard();
        }
        if (producer != null) {
            producer.close(timeout);
            producer = null;
        }
    }

    /** Closes at once without ending an open transaction, as a crash would. */
    void abandon() {
        discardProducer();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(3));
    }
}
