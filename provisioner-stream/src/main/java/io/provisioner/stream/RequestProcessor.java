package io.provisioner.stream;

import io.micrometer.core.instrument.Timer;
import io.provisioner.core.errors.CredentialsException;
import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.PermitUnavailableException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionResult;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.logging.RecordMdc;
import io.provisioner.core.logging.Texts;
import io.provisioner.core.retry.RetryDecision;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.stream.internals.CredentialsPause;
import io.provisioner.stream.internals.FailureHeaders;
import io.provisioner.stream.internals.SinkNames;
import io.provisioner.stream.internals.StreamMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one request (raw bytes, so a bad record keeps its exact bytes), converges its owner and routes
 * the record: a result to {@code results}, a retryable failure to the retry tier the {@link RetryPolicy}
 * picks, a fatal failure, an exhausted request or an unreadable record to the DLT. An attempt that got no
 * rate-limit permit sent nothing and is not counted: back to the first retry tier with the same attempt
 * count, never to the DLT for it. A rejected management
 * key throws {@link CredentialsPause} so that nothing is routed or committed.
 */
final class RequestProcessor implements Processor<String, byte[], String, Object> {

    private static final Logger LOG = LoggerFactory.getLogger(RequestProcessor.class);

    private final RetryPolicy policy;
    private final ProvisioningService service;
    private final Clock clock;
    private final StreamMetrics metrics;
    private final CredentialsGate gate;
    private ProcessorContext<String, Object> context;

    /** @param gate counts the pauses each record caused; null: a 403 always pauses */
    public RequestProcessor(
            RetryPolicy policy, ProvisioningService service, Clock clock, StreamMetrics metrics, CredentialsGate gate) {
        this.gate = gate;
        this.policy = policy;
        this.service = service;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        var at = context.recordMetadata();
        try (var mdc = RecordMdc.of(
                record.key(),
                at.map(m -> m.topic()).orElse(null),
                at.map(m -> m.partition()).orElse(-1),
                at.map(m -> m.offset()).orElse(-1L))) {
            Timer.Sample sample = metrics.startTimer();
            String outcome = route(record, FailureHeaders.attemptOf(record.headers()));
            metrics.request(outcome);
            metrics.stopTimer(sample, outcome);
        }
    }

    private String route(Record<String, byte[]> record, int attempt) {
        ProvisionRequest request;
        try {
            request = read(record);
        } catch (FatalException e) {
            deadLetter(record, attempt, null, "unreadable", e.errorClass(), e.getMessage());
            return "unreadable";
        }
        try {
            Outcome outcome = service.handle(request, attempt);
            if (outcome instanceof Outcome.Created) {
                metrics.stored(request, clock);
            }
            forwardResult(record, request, outcome.status(), outcome.keyHash(), attempt);
            return outcome.status();
        } catch (CredentialsException e) {
            return refusedOrPause(record, request, attempt, e);
        } catch (FatalException e) {
            deadLetter(record, attempt, request, "fatal", e.errorClass(), e.getMessage());
            return "dead";
        } catch (PermitUnavailableException e) {
            return waitForPermit(record, request, attempt, e);
        } catch (RuntimeException e) {
            // Everything not known to be fatal is retryable, unexpected failures included.
            return retryOrGiveUp(record, request, attempt, e);
        }
    }

    /**
     * A 403 for a record that already paused processing {@link CredentialsGate#MAX_PAUSES_PER_RECORD}
     * times, each time until the management key was accepted again, is about the request: dead-lettered.
     */
    private String refusedOrPause(
            Record<String, byte[]> record, ProvisionRequest request, int attempt, CredentialsException e) {
        String id = context.recordMetadata()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse(null);
        int pauses = gate == null ? 0 : gate.pausesFor(id);
        if (e.status() != 403 || pauses < CredentialsGate.MAX_PAUSES_PER_RECORD) {
            throw new CredentialsPause(e, id);
        }
        deadLetter(
                record,
                attempt,
                request,
                "forbidden",
                e.errorClass(),
                "OpenRouter refused this request with 403 after " + pauses
                        + " pauses, each ended by an accepted management key: " + e.getMessage());
        return "dead";
    }

    private static ProvisionRequest read(Record<String, byte[]> record) {
        ProvisionRequest request = RequestCodec.decode(record.value());
        String expected = request.owner().key();
        if (!expected.equals(record.key())) {
            throw new FatalException("record key '" + Texts.abbreviate(record.key())
                    + "' does not match the value's owner '" + Texts.abbreviate(expected) + "'");
        }
        return request;
    }

    /** No call was made: the attempt is given back, so the record is tried again as this same attempt. */
    private String waitForPermit(
            Record<String, byte[]> record, ProvisionRequest request, int attempt, PermitUnavailableException e) {
        Instant now = clock.instant();
        RetryDecision decision = policy.afterNoPermit(now);
        if (decision instanceof RetryDecision.Retry retry) {
            String message = ErrorClassifier.truncate(String.valueOf(e.getMessage()));
            forwardRetry(record, request, attempt - 1, retry, now, e.errorClass(), message);
            LOG.warn(
                    "attempt {}/{} for {} got no rate-limit permit in time and made no call; it is not counted,"
                            + " again in {} s via retry tier {}",
                    attempt,
                    policy.maxAttempts(),
                    request.owner(),
                    retry.delay().toSeconds(),
                    retry.tier());
            return "retrying";
        }
        deadLetter(
                record, attempt, request, "exhausted", e.errorClass(), ((RetryDecision.DeadLetter) decision).reason());
        return "dead";
    }

    /** Writes the record to its retry tier as {@code attemptsMade} attempts, and the job row and result with it. */
    private void forwardRetry(
            Record<String, byte[]> record,
            ProvisionRequest request,
            int attemptsMade,
            RetryDecision.Retry retry,
            Instant now,
            String errorClass,
            String message) {
        // stamped with the time of writing: the scheduler relies on every record of a tier being due
        // no earlier than its timestamp plus the tier's delay
        context.forward(
                record.withHeaders(FailureHeaders.retry(
                                record.headers(), attemptsMade, retry.dueAt(), now, errorClass, message))
                        .withTimestamp(now.toEpochMilli()),
                SinkNames.retry(retry.tier()));
        service.recordRetrying(request.owner(), attemptsMade, message, retry.dueAt());
        forwardResult(record, request, "retrying", null, attemptsMade);
        metrics.retry(retry.tier());
    }

    private String retryOrGiveUp(
            Record<String, byte[]> record, ProvisionRequest request, int attempt, RuntimeException e) {
        String errorClass = ErrorClassifier.errorClass(e);
        String message = ErrorClassifier.truncate(String.valueOf(e.getMessage()));
        Optional<Duration> retryAfter = e instanceof RetryableException r ? r.retryAfter() : Optional.empty();
        Instant now = clock.instant();
        RetryDecision decision = policy.afterRetryableFailure(attempt, retryAfter, now);
        if (decision instanceof RetryDecision.Retry retry) {
            forwardRetry(record, request, attempt, retry, now, errorClass, message);
            LOG.warn(
                    "attempt {}/{} for {} failed ({}: {}), next in {} s via retry tier {}",
                    attempt,
                    policy.maxAttempts(),
                    request.owner(),
                    errorClass,
                    message,
                    retry.delay().toSeconds(),
                    retry.tier());
            return "retrying";
        }
        String reason = ((RetryDecision.DeadLetter) decision).reason();
        deadLetter(record, attempt, request, "exhausted", errorClass, reason + ": " + message);
        return "dead";
    }

    private void deadLetter(
            Record<String, byte[]> record,
            int attempt,
            ProvisionRequest request,
            String reason,
            String errorClass,
            String message) {
        String text = ErrorClassifier.truncate(message);
        var source = context.recordMetadata().orElse(null);
        context.forward(
                record.withHeaders(FailureHeaders.deadLetter(
                        record.headers(), attempt, clock.instant(), errorClass, text, source)),
                SinkNames.DLT);
        if (request != null) {
            service.recordDead(request.owner(), attempt, text);
            forwardResult(record, request, "dead", null, attempt);
        }
        metrics.deadLetter(reason);
        LOG.error(
                "dead-lettered {} ({}) after attempt {}/{} from {}-{}@{}: {}",
                Texts.abbreviate(record.key()),
                reason,
                attempt,
                policy.maxAttempts(),
                source == null ? "?" : source.topic(),
                source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset(),
                text);
    }

    private void forwardResult(
            Record<String, byte[]> record, ProvisionRequest request, String status, String hash, int attempt) {
        OwnerRef owner = request.owner();
        long latency = request.requestedAt() == null
                ? 0
                : Math.max(
                        0,
                        Duration.between(request.requestedAt(), clock.instant()).toMillis());
        ProvisionResult result =
                new ProvisionResult(owner.ownerType(), owner.ownerId(), status, hash, attempt, latency);
        context.forward(record.withValue(result).withHeaders(new RecordHeaders()), SinkNames.RESULTS);
    }
}
