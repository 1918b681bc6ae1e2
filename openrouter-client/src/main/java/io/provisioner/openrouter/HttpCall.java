package io.provisioner.openrouter;

import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.secret.Secret;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one OpenRouter call: adds the bearer, times it, tells the {@link CallListener}, and maps every
 * failure through {@link ErrorClassifier} with secrets scrubbed from the message. Thread-safe.
 */
final class HttpCall {
    private static final Logger LOG = LoggerFactory.getLogger(HttpCall.class);
    private static final int MAX_EXCERPT = 200;

    /** Reads a 2xx answer. */
    @FunctionalInterface
    interface BodyReader<T> {
        T read(JsonNode root) throws KeyParser.MalformedBody;
    }

    private final OkHttpClient http;
    private final Secret managementKey;
    private final CallListener listener;
    private final Clock clock;

    HttpCall(OkHttpClient http, Secret managementKey, CallListener listener, Clock clock) {
        this.http = http;
        this.managementKey = managementKey;
        this.listener = listener;
        this.clock = clock;
    }

    /**
     * @param onNotFound the result of a 404, or null when a 404 is an error
     * @param createsKey true for {@code POST /keys}: an unreadable 2xx then leaves the outcome unknown
     */
    <T> T execute(String operation, Request request, BodyReader<T> reader, Supplier<T> onNotFound, boolean createsKey) {
        SentTracker.Flag flag = new SentTracker.Flag();
        Request authorized = request.newBuilder()
                .header("Authorization", "Bearer " + managementKey.reveal())
                .header("Accept", "application/json")
                .tag(SentTracker.Flag.class, flag)
                .build();
        long start = System.nanoTime();
        int status = -1;
        try (Response response = http.newCall(authorized).execute()) {
            String body = response.body().string();
            status = response.code();
            return interpret(operation, response, body, reader, onNotFound, createsKey);
        } catch (IOException e) {
            throw ioFailure(operation, e, flag.sent());
        } finally {
            report(operation, status, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private <T> T interpret(
            String operation,
            Response response,
            String body,
            BodyReader<T> reader,
            Supplier<T> onNotFound,
            boolean createsKey) {
        int code = response.code();
        if (code >= 200 && code < 300) {
            try {
                return reader.read(KeyParser.tree(body));
            } catch (KeyParser.MalformedBody e) {
                throw new RetryableException(
                        operation + " answered " + code + " with an unreadable body: " + e.getMessage(),
                        null,
                        null,
                        createsKey);
            }
        }
        if (code == 404 && onNotFound != null) {
            return onNotFound.get();
        }
        Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), clock);
        throw ErrorClassifier.http(operation, code, Redact.scrub(errorMessage(body), managementKey), retryAfter);
    }

    private RetryableException ioFailure(String operation, IOException e, boolean sent) {
        RetryableException classified = ErrorClassifier.io(operation, e, sent);
        String scrubbed = Redact.scrub(classified.getMessage(), managementKey);
        if (scrubbed.equals(classified.getMessage())) {
            return classified;
        }
        // The cause's own message held a secret: drop it rather than carry it along.
        return new RetryableException(scrubbed, null, null, classified.outcomeUnknown());
    }

    /** The {@code error.message} of an error body, or a short excerpt when the body is not the usual JSON. */
    private static String errorMessage(String body) {
        try {
            JsonNode message = KeyParser.tree(body).path("error").path("message");
            if (message.isTextual()) {
                return message.asText();
            }
        } catch (KeyParser.MalformedBody e) {
            // not JSON: fall through to the excerpt
        }
        String flat = body.replaceAll("\\s+", " ").trim();
        return flat.length() <= MAX_EXCERPT ? flat : flat.substring(0, MAX_EXCERPT) + "...";
    }

    private void report(String operation, int status, Duration elapsed) {
        LOG.debug("OpenRouter {} -> {} in {} ms", operation, status, elapsed.toMillis());
        try {
            listener.onCall(operation, status, elapsed);
        } catch (RuntimeException e) {
            LOG.warn("call listener failed for {}", operation, e);
        }
    }
}
