package io.provisioner.stream.internals;

import io.provisioner.core.errors.ErrorClassifier;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net behind the processor, which routes its own failures: any record that still fails to
 * deserialize or process is written with its raw bytes and the reason to the DLT, and processing goes
 * on. The one exception is {@link CredentialsPause}, which must fail the thread so that the record is
 * not committed. Configured by Kafka Streams from {@link #DLT_TOPIC_CONFIG}, the {@link Clock} that stamps
 * the dead letters under {@link #CLOCK_CONFIG} and, optionally, a {@link StreamMetrics} under {@link
 * #METRICS_CONFIG}.
 */
public final class DeadLetterExceptionHandler implements ProcessingExceptionHandler, DeserializationExceptionHandler {

    public static final String DLT_TOPIC_CONFIG = "provisioner.dlt.topic";
    public static final String METRICS_CONFIG = "provisioner.stream.metrics";
    public static final String CLOCK_CONFIG = "provisioner.clock";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterExceptionHandler.class);

    private String dltTopic;
    private StreamMetrics metrics;
    private Clock clock;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(DLT_TOPIC_CONFIG);
        if (topic == null) {
            throw new IllegalArgumentException(
                    DLT_TOPIC_CONFIG + " is required by " + getClass().getSimpleName());
        }
        dltTopic = topic.toString();
        if (!(configs.get(CLOCK_CONFIG) instanceof Clock c)) {
            throw new IllegalArgumentException(CLOCK_CONFIG + " (a java.time.Clock) is required by "
                    + getClass().getSimpleName());
        }
        clock = c;
        metrics = configs.get(METRICS_CONFIG) instanceof StreamMetrics m ? m : null;
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(
            ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (CredentialsPause.find(exception) != null) {
            return ProcessingExceptionHandler.Response.fail();
        }
        return ProcessingExceptionHandler.Response.resume(List.of(
                deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), "processing-error", exception)));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(
            ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        return DeserializationExceptionHandler.Response.resume(
                List.of(deadLetter(context, record.key(), record.value(), "unreadable", exception)));
    }

    private ProducerRecord<byte[], byte[]> deadLetter(
            ErrorHandlerContext context, byte[] key, byte[] value, String reason, Exception exception) {
        String errorClass = ErrorClassifier.errorClass(exception);
        String message = ErrorClassifier.truncate(reason + ": " + exception.getMessage());
        Headers headers = FailureHeaders.deadLetter(
                context.headers(),
                FailureHeaders.attemptOf(context.headers()),
                clock.instant(),
                errorClass,
                message,
                context.topic(),
                context.partition(),
                context.offset());
        if (metrics != null) {
            metrics.deadLetter(reason);
        }
        LOG.error(
                "dead-lettered the record at {}-{}@{}: {}",
                context.topic(),
                context.partition(),
                context.offset(),
                message,
                exception);
        return new ProducerRecord<>(dltTopic, null, key, value, headers);
    }
}
