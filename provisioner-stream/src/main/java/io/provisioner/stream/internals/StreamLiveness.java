package io.provisioner.stream.internals;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Whether a Kafka Streams client is stuck, for a liveness probe: a state it never leaves by itself
 * ({@code ERROR}, or {@code NOT_RUNNING} that nobody asked for), or a stream thread that has not polled
 * for longer than a bound (a deadlock, a call without a timeout). A paused client (a rejected management
 * key), a rebalance or a down broker are not stuck: the threads keep polling. Pure; thread-safe.
 */
public final class StreamLiveness {

    static final String POLL_METRIC = "last-poll-seconds-ago";
    static final String CONSUMER_GROUP = "consumer-metrics";

    private StreamLiveness() {}

    /**
     * @param closing true once the application's own {@code close()} began
     * @param metrics {@link KafkaStreams#metrics()}
     * @param stuckAfter a thread that has not polled for longer is stuck (above {@code max.poll.interval.ms},
     *     which every bounded wait of a record fits in)
     * @return null when live, else the reason, naming the thread
     */
    public static String stuck(
            KafkaStreams.State state, boolean closing, Map<MetricName, ? extends Metric> metrics, Duration stuckAfter) {
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
            return "kafka streams " + state + ": the client shut down after its stream threads failed";
        }
        if (state == KafkaStreams.State.NOT_RUNNING && !closing) {
            return "kafka streams NOT_RUNNING without being closed";
        }
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
            MetricName name = e.getKey();
            String client = name.tags().getOrDefault("client-id", "");
            // the main consumer of each stream thread; restore consumers poll only while restoring
            if (!POLL_METRIC.equals(name.name())
                    || !CONSUMER_GROUP.equals(name.group())
                    || client.endsWith("-restore-consumer")) {
                continue;
            }
            double seconds = ((Number) e.getValue().metricValue()).doubleValue();
            // -1 until the first poll
            if (seconds > stuckAfter.toSeconds()) {
                return client + " has not polled for " + (long) seconds + " s";
            }
        }
        return null;
    }

    /** The bound for {@link #stuck}: a thread's longest bounded turn plus a minute. */
    public static Duration stuckAfter(int maxPollIntervalMs) {
        return Duration.ofMillis(maxPollIntervalMs).plusMinutes(1);
    }
}
