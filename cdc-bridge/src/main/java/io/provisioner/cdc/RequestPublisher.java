package io.provisioner.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.provisioner.connect.ProvisioningRequestTransform;
import io.provisioner.core.events.ProvisionRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's batch handler: sends one request per row change, the record that Kafka Connect's
 * {@link ProvisioningRequestTransform} makes of it (so that the embedded engine and Debezium on Connect
 * write the same bytes), waits until Kafka has acknowledged
 * every record of the batch, and only then marks them processed, so that a committed offset never
 * covers an unacknowledged request. A failed send throws {@link PublishException} (deliberately not
 * Kafka Connect's {@code RetriableException}, which would make the engine skip the batch): the engine
 * stops and is restarted from the last committed offset, duplicating at worst, never losing.
 */
final class RequestPublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private static final Logger LOG = LoggerFactory.getLogger(RequestPublisher.class);

    private final Producer<String, byte[]> producer;
    private final ProvisioningRequestTransform<SourceRecord> transform;
    private final CdcMetrics metrics;
    private final Clock clock;

    RequestPublisher(
            Producer<String, byte[]> producer,
            ProvisioningRequestTransform<SourceRecord> transform,
            CdcMetrics metrics,
            Clock clock) {
        this.producer = producer;
        this.transform = transform;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Thrown when Kafka did not acknowledge a request; stops the engine before its offset is committed. */
    static final class PublishException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Sent(ProvisionRequest request, String topic, Future<RecordMetadata> ack) {}

    @Override
    public void handleBatch(
            List<RecordChangeEvent<SourceRecord>> batch,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        List<Sent> sent = new ArrayList<>();
        for (RecordChangeEvent<SourceRecord> event : batch) {
            Optional<ProvisionRequest> request = transform.request(event.record());
            request.ifPresent(r -> sent.add(send(r, transform.requestRecord(event.record(), r))));
        }
        if (!sent.isEmpty()) {
            // the batch is waited for right here: without a flush each batch would first wait out the
            // producer's linger.ms (5 ms by default) before it is even sent
            producer.flush();
        }
        for (Sent s : sent) {
            awaitAck(s);
        }
        for (RecordChangeEvent<SourceRecord> event : batch) {
            committer.markProcessed(event);
        }
        committer.markBatchFinished();
    }

    private Sent send(ProvisionRequest request, SourceRecord out) {
        String key = (String) out.key();
        try {
            return new Sent(
                    request, out.topic(), producer.send(new ProducerRecord<>(out.topic(), key, (byte[]) out.value())));
        } catch (RuntimeException e) {
            throw new PublishException("could not send the request for " + key + " to " + out.topic(), e);
        }
    }

    private void awaitAck(Sent s) throws InterruptedException {
        try {
            RecordMetadata md = s.ack().get();
            metrics.published(s.request(), clock.millis());
            LOG.debug(
                    "published {} {} (lsn {}) to {}-{}@{}",
                    s.request().op(),
                    s.request().owner().key(),
                    s.request().source().lsn(),
                    md.topic(),
                    md.partition(),
                    md.offset());
        } catch (ExecutionException e) {
            throw new PublishException(
                    "Kafka did not acknowledge the request for "
                            + s.request().owner().key() + " on " + s.topic(),
                    e.getCause());
        }
    }
}
