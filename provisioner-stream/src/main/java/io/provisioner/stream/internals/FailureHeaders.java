package io.provisioner.stream.internals;

import io.provisioner.core.topics.RetryHeaders;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds the headers of retry and dead-letter records (CONTRACT section 6) from a record's own headers. */
public final class FailureHeaders {

    private FailureHeaders() {}

    /** The attempt number of a record: its {@code provisioning-attempt} header plus one, 1 when absent. */
    public static int attemptOf(Headers headers) {
        return RetryHeaders.number(headers, RetryHeaders.ATTEMPT)
                .map(n -> (int) Math.max(0, Math.min(n, 1_000)) + 1)
                .orElse(1);
    }

    /** Headers for retry tier records: attempts made, due time, first failure (kept), error. */
    public static Headers retry(
            Headers original, int attempt, Instant dueAt, Instant now, String errorClass, String message) {
        Headers h = failure(original, attempt, now, errorClass, message);
        RetryHeaders.put(h, RetryHeaders.DUE_AT, dueAt.toEpochMilli());
        return h;
    }

    /** Headers for dead-letter records: as for retries, plus where the record was read from. */
    public static Headers deadLetter(
            Headers original, int attempt, Instant now, String errorClass, String message, RecordMetadata source) {
        return source == null
                ? deadLetter(original, attempt, now, errorClass, message, null, -1, -1)
                : deadLetter(
                        original,
                        attempt,
                        now,
                        errorClass,
                        message,
                        source.topic(),
                        source.partition(),
                        source.offset());
    }

    /** As {@link #deadLetter(Headers, int, Instant, String, String, RecordMetadata)}; {@code topic} null when unknown. */
    public static Headers deadLetter(
            Headers original,
            int attempt,
            Instant now,
            String errorClass,
            String message,
            String topic,
            int partition,
            long offset) {
        Headers h = failure(original, attempt, now, errorClass, message);
        // a dead letter waits for nobody: it is due as soon as someone re-drives it
        RetryHeaders.put(h, RetryHeaders.DUE_AT, now.toEpochMilli());
        if (topic != null) {
            RetryHeaders.put(h, RetryHeaders.ORIGINAL_TOPIC, topic);
            RetryHeaders.put(h, RetryHeaders.ORIGINAL_PARTITION, partition);
            RetryHeaders.put(h, RetryHeaders.ORIGINAL_OFFSET, offset);
        }
        return h;
    }

    private static Headers failure(Headers original, int attempt, Instant now, String errorClass, String message) {
        Headers h = new RecordHeaders(original == null ? null : original.toArray());
        RetryHeaders.put(h, RetryHeaders.ATTEMPT, attempt);
        if (RetryHeaders.number(h, RetryHeaders.FIRST_FAILURE_AT).isEmpty()) {
            RetryHeaders.put(h, RetryHeaders.FIRST_FAILURE_AT, now.toEpochMilli());
        }
        RetryHeaders.put(h, RetryHeaders.ERROR_CLASS, errorClass);
        RetryHeaders.put(h, RetryHeaders.ERROR_MESSAGE, message == null ? "" : message);
        return h;
    }
}
