package io.provisioner.runtime.sweep;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.provisioner.core.topics.RetryHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record of {@code <prefix>.dlt} as {@code provisioner dlt list} shows it: the owner (record key),
 * attempts made, the error's class and message, when it first failed and when it was dead-lettered (the
 * record's timestamp), and where it was read from. Fields the record lacks are null.
 */
public record DeadLetter(
        @JsonProperty("owner") String owner,
        @JsonProperty("attempts") Long attempts,
        @JsonProperty("error_class") String errorClass,
        @JsonProperty("error_message") String errorMessage,
        @JsonProperty("first_failure_at") Instant firstFailureAt,
        @JsonProperty("dead_at") Instant deadAt,
        @JsonProperty("original_topic") String originalTopic,
        @JsonProperty("original_partition") Long originalPartition,
        @JsonProperty("original_offset") Long originalOffset) {

    public static DeadLetter of(ConsumerRecord<byte[], byte[]> r) {
        var h = r.headers();
        return new DeadLetter(
                r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                RetryHeaders.number(h, RetryHeaders.ATTEMPT).orElse(null),
                RetryHeaders.string(h, RetryHeaders.ERROR_CLASS).orElse(null),
                RetryHeaders.string(h, RetryHeaders.ERROR_MESSAGE).orElse(null),
                RetryHeaders.number(h, RetryHeaders.FIRST_FAILURE_AT)
                        .map(Instant::ofEpochMilli)
                        .orElse(null),
                Instant.ofEpochMilli(r.timestamp()),
                RetryHeaders.string(h, RetryHeaders.ORIGINAL_TOPIC).orElse(null),
                RetryHeaders.number(h, RetryHeaders.ORIGINAL_PARTITION).orElse(null),
                RetryHeaders.number(h, RetryHeaders.ORIGINAL_OFFSET).orElse(null));
    }
}
