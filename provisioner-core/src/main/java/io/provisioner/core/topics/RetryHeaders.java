package io.provisioner.core.topics;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Header names of retry and dead-letter records (CONTRACT section 6), and typed access to them. */
public final class RetryHeaders {

    /** Attempts made so far, including the one that just failed. */
    public static final String ATTEMPT = "provisioning-attempt";
    /** Epoch milliseconds before which the record must not be processed again. */
    public static final String DUE_AT = "provisioning-due-at";

    public static final String FIRST_FAILURE_AT = "provisioning-first-failure-at";
    public static final String ERROR_CLASS = "provisioning-error-class";
    public static final String ERROR_MESSAGE = "provisioning-error-message";
    public static final String ORIGINAL_TOPIC = "provisioning-original-topic";
    public static final String ORIGINAL_PARTITION = "provisioning-original-partition";
    public static final String ORIGINAL_OFFSET = "provisioning-original-offset";

    private RetryHeaders() {}

    public static Optional<String> string(Headers headers, String name) {
        Header h = headers == null ? null : headers.lastHeader(name);
        return h == null || h.value() == null
                ? Optional.empty()
                : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    }

    public static Optional<Long> number(Headers headers, String name) {
        try {
            return string(headers, name).map(String::trim).map(Long::parseLong);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Replaces the header {@code name} by {@code value}, UTF-8. */
    public static void put(Headers headers, String name, Object value) {
        headers.remove(name);
        headers.add(name, String.valueOf(value).getBytes(StandardCharsets.UTF_8));
    }
}
