package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class RequestPublisherTest {

    /**
     * A producer that sends nothing until it is flushed, as a real one holds a batch for {@code linger.ms}:
     * the publisher, which waits for the batch's acknowledgements anyway, must not wait that out first.
     */
    @Test
    void aBatchIsSentAtOnceAndMarkedProcessedOnlyOnceAcknowledged() {
        MockProducer<String, byte[]> producer =
                new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        RequestPublisher publisher = new RequestPublisher(
                producer,
                "p.requests",
                new ChangeRecordMapper(Map.of("public.organizations", "organization")),
                new CdcMetrics(new SimpleMeterRegistry()),
                Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC));
        SourceRecord row = ChangeRecordMapperTest.record(ChangeRecordMapperTest.ENVELOPE.create(
                ChangeRecordMapperTest.row(ChangeRecordMapperTest.ORG_ID, "Acme"),
                ChangeRecordMapperTest.source("public", "organizations", 4242L),
                ChangeRecordMapperTest.COMMITTED));
        List<RecordChangeEvent<SourceRecord>> batch = List.of(() -> row);
        Committer committer = new Committer();

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> publisher.handleBatch(batch, committer));

        assertThat(producer.history())
                .extracting(r -> r.key())
                .containsExactly("organization:" + ChangeRecordMapperTest.ORG_ID);
        assertThat(committer.processed).containsExactly(row);
        assertThat(committer.batchFinished).isTrue();
    }

    private static final class Committer implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<SourceRecord> processed = new ArrayList<>();
        boolean batchFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            processed.add(record.record());
        }

        @Override
        public void markBatchFinished() {
            batchFinished = true;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets sourceOffsets) {
            processed.add(record.record());
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }
}
