package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.errors.CredentialsException;
import io.provisioner.core.topics.RetryHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

class DeadLetterExceptionHandlerTest {

    private static final byte[] RAW = "{\"broken".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DeadLetterExceptionHandler handler = new DeadLetterExceptionHandler();

    DeadLetterExceptionHandlerTest() {
        handler.configure(Map.of(
                DeadLetterExceptionHandler.DLT_TOPIC_CONFIG,
                "p.dlt",
                DeadLetterExceptionHandler.METRICS_CONFIG,
                new StreamMetrics(registry),
                DeadLetterExceptionHandler.CLOCK_CONFIG,
                Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    @Test
    void refusesToBeConfiguredWithoutAClock() {
        assertThatThrownBy(() -> new DeadLetterExceptionHandler()
                        .configure(Map.of(DeadLetterExceptionHandler.DLT_TOPIC_CONFIG, "p.dlt")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(DeadLetterExceptionHandler.CLOCK_CONFIG);
    }

    @Test
    void unexpectedProcessingFailureIsDeadLetteredWithRawBytesAndProcessingGoesOn() {
        ProcessingExceptionHandler.Response r =
                handler.handleError(context(), new Record<>("k", RAW, 0L), new IllegalStateException("boom"));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> dead = r.deadLetterQueueRecords().get(0);
        assertThat(dead.topic()).isEqualTo("p.dlt");
        assertThat(dead.value()).isEqualTo(RAW);
        assertThat(RetryHeaders.string(dead.headers(), RetryHeaders.ERROR_MESSAGE))
                .hasValueSatisfying(m -> assertThat(m).contains("boom"));
        assertThat(RetryHeaders.string(dead.headers(), RetryHeaders.ORIGINAL_OFFSET))
                .contains("17");
        assertThat(RetryHeaders.number(dead.headers(), RetryHeaders.FIRST_FAILURE_AT))
                .as("stamped by the configured clock")
                .contains(NOW.toEpochMilli());
        assertThat(RetryHeaders.number(dead.headers(), RetryHeaders.DUE_AT)).contains(NOW.toEpochMilli());
        assertThat(registry.get("provisioner.dead.letters")
                        .tag("reason", "processing-error")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void rejectedManagementKeyFailsTheThreadInsteadOfDeadLettering() {
        ProcessingExceptionHandler.Response r = handler.handleError(
                context(), new Record<>("k", RAW, 0L), new CredentialsPause(new CredentialsException(403, "no")));

        assertThat(r.result()).isEqualTo(ProcessingExceptionHandler.Result.FAIL);
        assertThat(r.deadLetterQueueRecords()).isEmpty();
    }

    @Test
    void undeserializableRecordIsDeadLettered() {
        DeserializationExceptionHandler.Response r = handler.handleError(
                context(),
                new ConsumerRecord<>("p.requests", 0, 17L, "k".getBytes(StandardCharsets.UTF_8), RAW),
                new RuntimeException("bad bytes"));

        assertThat(r.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(r.deadLetterQueueRecords()).singleElement().satisfies(d -> assertThat(d.value())
                .isEqualTo(RAW));
    }

    private static ErrorHandlerContext context() {
        Headers headers = new RecordHeaders();
        return new ErrorHandlerContext() {
            @Override
            public String topic() {
                return "p.requests";
            }

            @Override
            public int partition() {
                return 0;
            }

            @Override
            public long offset() {
                return 17L;
            }

            @Override
            public Headers headers() {
                return headers;
            }

            @Override
            public String processorNodeId() {
                return "provision-processor";
            }

            @Override
            public TaskId taskId() {
                return new TaskId(0, 0);
            }

            @Override
            public long timestamp() {
                return 0L;
            }

            @Override
            public byte[] sourceRawKey() {
                return "k".getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public byte[] sourceRawValue() {
                return RAW;
            }
        };
    }
}
