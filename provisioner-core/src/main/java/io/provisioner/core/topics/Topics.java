package io.provisioner.core.topics;

import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The registry of every topic the pipeline uses, derived from {@code PROVISIONER_TOPIC_PREFIX} and
 * {@code OR_MAX_ATTEMPTS}. No topic name is spelled anywhere else. Immutable and thread-safe.
 *
 * <p>{@code maxAttempts} attempts are the first try plus {@code maxAttempts - 1} delayed retries, so
 * there are {@code maxAttempts - 1} retry topics, {@code <prefix>.retry.1} to
 * {@code <prefix>.retry.<maxAttempts - 1>}.
 */
public final class Topics {

    private final String prefix;
    private final TopicSpec<String, ProvisionRequest> requests;
    private final TopicSpec<String, byte[]> requestsRaw;
    private final List<TopicSpec<String, byte[]>> retries;
    private final TopicSpec<String, byte[]> dlt;
    private final TopicSpec<String, ProvisionResult> results;
    private final TopicSpec<byte[], byte[]> cdcOffsets;
    private final Pattern retryPattern;
    private final Map<String, Long> retention = new HashMap<>();

    /** Records a request waits on the requests and results topics: a week, also for replays and outages. */
    public static final Duration REQUESTS_RETENTION = Duration.ofDays(7);

    /** The least a retry topic keeps its records; and never less than {@link #RETRY_RETENTION_FACTOR} x its delay. */
    public static final Duration MIN_RETRY_RETENTION = Duration.ofDays(7);

    public static final int RETRY_RETENTION_FACTOR = 10;

    /** With the contract's retention: the DLT keeps its records for ever, retry topics a week. */
    public Topics(String prefix, int maxAttempts) {
        this(prefix, maxAttempts, Optional.empty(), tier -> Duration.ZERO);
    }

    /**
     * @param dltRetention how long the DLT keeps its records; empty: until they are replayed (for ever)
     * @param tierDelay the delay of retry tier {@code n}, which its topic keeps ten times over at least
     */
    public Topics(String prefix, int maxAttempts, Optional<Duration> dltRetention, IntFunction<Duration> tierDelay) {
        if (prefix == null || prefix.isBlank()) {
            throw new IllegalArgumentException("topic prefix must not be blank");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.prefix = prefix;
        this.requests = new TopicSpec<>(prefix + ".requests", Serdes.String(), Serdes2.request());
        this.requestsRaw = new TopicSpec<>(prefix + ".requests", Serdes.String(), Serdes.ByteArray());
        List<TopicSpec<String, byte[]>> r = new ArrayList<>();
        for (int n = 1; n < maxAttempts; n++) {
            r.add(new TopicSpec<>(prefix + ".retry." + n, Serdes.String(), Serdes.ByteArray()));
        }
        this.retries = List.copyOf(r);
        for (int n = 1; n < maxAttempts; n++) {
            Duration tenTimes = tierDelay.apply(n).multipliedBy(RETRY_RETENTION_FACTOR);
            retention.put(
                    r.get(n - 1).name(), max(MIN_RETRY_RETENTION, tenTimes).toMillis());
        }
        this.dlt = new TopicSpec<>(prefix + ".dlt", Serdes.String(), Serdes.ByteArray());
        this.results = new TopicSpec<>(prefix + ".results", Serdes.String(), Serdes2.result());
        this.cdcOffsets = new TopicSpec<>(prefix + ".cdc-offsets", Serdes.ByteArray(), Serdes.ByteArray());
        retention.put(requests.name(), REQUESTS_RETENTION.toMillis());
        retention.put(results.name(), REQUESTS_RETENTION.toMillis());
        retention.put(dlt.name(), dltRetention.map(Duration::toMillis).orElse(-1L));
        this.retryPattern = Pattern.compile(Pattern.quote(prefix + ".retry.") + "([1-9][0-9]{0,8})");
    }

    public String prefix() {
        return prefix;
    }

    /** {@code <prefix>.requests}, values parsed strictly. */
    public TopicSpec<String, ProvisionRequest> requests() {
        return requests;
    }

    /** {@code <prefix>.requests} with the value as raw bytes, for readers that must keep bad records intact. */
    public TopicSpec<String, byte[]> requestsRaw() {
        return requestsRaw;
    }

    /** {@code <prefix>.retry.<n>}, {@code n} from 1 to {@code maxAttempts - 1}. */
    public TopicSpec<String, byte[]> retry(int n) {
        if (n < 1 || n > retries.size()) {
            throw new IllegalArgumentException("retry tier " + n + " outside 1.." + retries.size());
        }
        return retries.get(n - 1);
    }

    public List<TopicSpec<String, byte[]>> retries() {
        return retries;
    }

    /**
     * Every retry topic of this prefix, {@code <prefix>.retry.<n>} for any {@code n >= 1}: also the tiers
     * above {@code maxAttempts - 1} that an earlier configuration created and that may still hold records.
     */
    public Pattern retryTopicPattern() {
        return retryPattern;
    }

    /** The retry tier of a topic name, if it is one of this prefix (configured now or not). */
    public Optional<Integer> retryTierOf(String topic) {
        Matcher m = retryPattern.matcher(topic);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(m.group(1)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public TopicSpec<String, byte[]> dlt() {
        return dlt;
    }

    public TopicSpec<String, ProvisionResult> results() {
        return results;
    }

    /** Where cdc-bridge keeps Debezium's source offsets (compacted). */
    public TopicSpec<byte[], byte[]> cdcOffsets() {
        return cdcOffsets;
    }

    /**
     * The {@code retention.ms} a topic of {@link #all()} is created with, and the least an existing one
     * should have: -1 (for ever) for the DLT unless {@code PROVISIONER_DLT_RETENTION} says otherwise,
     * for a retry topic at least a week and ten times its delay, a week for requests and results.
     */
    public long retentionMs(TopicSpec<?, ?> topic) {
        Long ms = retention.get(topic.name());
        if (ms == null) {
            throw new IllegalArgumentException("not a data topic of this pipeline: " + topic.name());
        }
        return ms;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Every topic the pipeline creates for its data, in a stable order. */
    public List<TopicSpec<?, ?>> all() {
        List<TopicSpec<?, ?>> all = new ArrayList<>();
        all.add(requests);
        all.addAll(retries);
        all.add(dlt);
        all.add(results);
        return List.copyOf(all);
    }
}
