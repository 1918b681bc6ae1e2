package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.debezium.data.Envelope;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.connect.ProvisioningRequestTransform;
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
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class RequestPublisherTest {

    private static final String ORG_ID = "5f0c6a2e-8d1b-4d7e-9a55-0c2b1f7e3a10";

    /**
     * A producer that sends nothing until it is flushed, as a real one holds a batch for {@code linger.ms}:
     * the publisher, which waits for the batch's acknowledgements anyway, must not wait that out first.
     */
    @Test
    void aBatchIsSentAtOnceAndMarkedProcessedOnlyOnceAcknowledged() {
        MockProducer<String, byte[]> producer =
                new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
        Clock clock = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);
        ProvisioningRequestTransform<SourceRecord> transform = new ProvisioningRequestTransform<>(clock);
        transform.configure(Map.of("tables", "public.organizations", "topic.prefix", "p"));
        RequestPublisher publisher =
                new RequestPublisher(producer, transform, new CdcMetrics(new SimpleMeterRegistry()), clock);
        SourceRecord row = organizationInserted(ORG_ID);
        List<RecordChangeEvent<SourceRecord>> batch = List.of(() -> row);
        Committer committer = new Committer();

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> publisher.handleBatch(batch, committer));

        assertThat(producer.history()).extracting(r -> r.topic()).containsExactly("p.requests");
        assertThat(producer.history()).extracting(r -> r.key()).containsExactly("organization:" + ORG_ID);
        assertThat(committer.processed).containsExactly(row);
        assertThat(committer.batchFinished).isTrue();
    }

    /** A Debezium change event as the PostgreSQL connector makes it for an insert into public.organizations. */
    private static SourceRecord organizationInserted(String id) {
        Schema source = SchemaBuilder.struct()
                .name("io.debezium.connector.postgresql.Source")
                .field("schema", Schema.STRING_SCHEMA)
                .field("table", Schema.STRING_SCHEMA)
                .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                .field("ts_ms", Schema.INT64_SCHEMA)
                .build();
        Schema row = SchemaBuilder.struct()
                .name("x.public.organizations.Value")
                .optional()
                .field("id", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Envelope envelope = Envelope.defineSchema()
                .withName("x.public.organizations.Envelope")
                .withRecord(row)
                .withSource(source)
                .build();
        Struct value = envelope.create(
                new Struct(row).put("id", id),
                new Struct(source)
                        .put("schema", "public")
                        .put("table", "organizations")
                        .put("lsn", 4242L)
                        .put("ts_ms", 1L),
                Instant.EPOCH);
        return new SourceRecord(Map.of("server", "x"), Map.of("lsn", 1L), "x.t", null, envelope.schema(), value);
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
