package io.provisioner.stream.internals;

import io.provisioner.core.config.DatabaseWaits;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams settings of the provisioner, derived from the configuration on top of the shared
 * ones ({@link KafkaClientSettings#streams()}); overrides win. Only what Kafka Streams takes is kept.
 */
public final class StreamsProperties {

    /**
     * A new key: the create, its guardrail assignment (before it is stored), the read of a conflicting
     * worker's key and the delete of the fresh one.
     */
    static final int CREATE_CALLS = 4;

    /**
     * A kept key's policy: its guardrail assignment or unassignment, the PATCH of its limit, and the
     * read-back of the key after either answered 404.
     */
    static final int KEEP_CALLS = 3;

    /**
     * Calls one request may make at worst, so that a throttled batch stays inside max.poll.interval.ms:
     * the pages of the leftover search after an unknown outcome ({@link LeftoverKeys#MAX_PAGES}), a
     * leftover's delete and the read-back of the kept key, then the longer of the two ways on: a new key
     * when the kept one is gone ({@link #CREATE_CALLS}) or the kept key's policy ({@link #KEEP_CALLS}).
     */
    static final int CALLS_PER_RECORD = LeftoverKeys.MAX_PAGES + 2 + Math.max(CREATE_CALLS, KEEP_CALLS);

    /**
     * Stream threads per instance at most: each makes its records' round trips (owner row, intent,
     * permit, call, save, commit) one after another, so several overlap them. Partitions are spread over
     * the threads; records of one partition, hence of one owner, stay on one thread, in order. One
     * thread per partition up to this many: a thread holding two partitions while another holds one
     * carries twice the load and caps the whole instance at its pace.
     */
    static final int MAX_STREAM_THREADS = 8;

    /**
     * How often each stream thread commits its transaction (offsets, results, retry and DLT records).
     * An exactly-once commit is four round trips to the broker whatever it carries (flush, the offsets
     * into the transaction, their commit, the end of the transaction): 40-60 ms each as deployed here,
     * so Kafka Streams' exactly-once default of 100 ms left a thread committing a fifth of its time.
     * The key is stored in Postgres before the commit, so this delays only what other consumers of the
     * output topics see, and what a crashed instance's successor processes again (each such record
     * finds its owner's key stored and converges without a call).
     */
    static final int COMMIT_INTERVAL_MS = 1000;

    private StreamsProperties() {}

    /** The stream threads of one instance: one per partition, at most {@link #MAX_STREAM_THREADS}. */
    public static int streamThreads(ProvisionerConfig config) {
        return Math.max(1, Math.min(MAX_STREAM_THREADS, config.kafka().partitions()));
    }

    /**
     * @param permitWait the longest rate-limit wait per call, used to size {@code max.poll.interval.ms}
     * @param clock stamps dead letters written by {@link DeadLetterExceptionHandler}
     */
    public static Properties of(
            ProvisionerConfig config,
            String applicationId,
            Topics topics,
            Duration permitWait,
            StreamMetrics metrics,
            Clock clock,
            Map<String, Object> overrides) {
        Properties p = new Properties();
        // with the shared session timeout: a crashed instance's partitions wait for its session to expire
        p.putAll(KafkaClientSettings.of(config).streams().build());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        // Forwards to results, retry and DLT topics and the offset commit are one transaction.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads(config));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.throttle().batchSize());
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, maxPollInterval(config, permitWait));
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class.getName());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class.getName());
        p.put(DeadLetterExceptionHandler.DLT_TOPIC_CONFIG, topics.dlt().name());
        p.put(DeadLetterExceptionHandler.METRICS_CONFIG, metrics);
        p.put(DeadLetterExceptionHandler.CLOCK_CONFIG, clock);
        p.putAll(overrides);
        p.keySet().removeIf(k -> !takenByStreams(k.toString()));
        return p;
    }

    /** Settings of the clients Streams creates, with or without the prefix naming one of them. */
    private static final List<String> CLIENT_PREFIXES = List.of(
            StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX,
            StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX,
            StreamsConfig.TOPIC_PREFIX,
            StreamsConfig.CLIENT_TAG_PREFIX);

    /** The settings of our exception handler, which Streams hands to it. */
    private static final Set<String> HANDLER_SETTINGS = Set.of(
            DeadLetterExceptionHandler.DLT_TOPIC_CONFIG,
            DeadLetterExceptionHandler.METRICS_CONFIG,
            DeadLetterExceptionHandler.CLOCK_CONFIG);

    /** What {@link StreamsConfig} accepts: its own names, its clients' (prefixed or not), our handler's. */
    static boolean takenByStreams(String name) {
        return StreamsConfig.configDef().names().contains(name)
                || ConsumerConfig.configNames().contains(name)
                || ProducerConfig.configNames().contains(name)
                || AdminClientConfig.configNames().contains(name)
                || CLIENT_PREFIXES.stream().anyMatch(name::startsWith)
                || HANDLER_SETTINGS.contains(name);
    }

    /**
     * Database calls of one record that can each stall for {@link DatabaseWaits#longestFailingCall()}: the
     * one that fails (a lock held elsewhere, a dead connection), the clean-up after it and the job row's
     * note of the retry. The others answer in milliseconds or fail the same way first.
     */
    static final int FAILING_DB_CALLS_PER_RECORD = 3;

    /** Room for what is not a wait (producing, committing, a collection pause): a quarter on top. */
    static final double HEADROOM = 1.25;

    /**
     * A whole poll's worth of records at their worst, with a quarter to spare. One record makes up to
     * {@link #CALLS_PER_RECORD} calls, each a permit wait and the call, plus, after 429s, one more permit
     * wait shared by its re-sends and the re-sent calls ({@link ThrottledCalls#RATE_LIMITED_RETRIES}); and
     * its database calls, every wait of which is bounded ({@link DatabaseWaits#PIPELINE}).
     */
    static int maxPollInterval(ProvisionerConfig config, Duration permitWait) {
        long callTimeout = config.openRouter().callTimeout().toMillis();
        long perCall = 2 * permitWait.toMillis() + (1 + ThrottledCalls.RATE_LIMITED_RETRIES) * callTimeout;
        long database = FAILING_DB_CALLS_PER_RECORD
                * DatabaseWaits.PIPELINE.longestFailingCall().toMillis();
        long perRecord = CALLS_PER_RECORD * perCall + database;
        long needed = (long) Math.ceil(HEADROOM * config.throttle().batchSize() * perRecord);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(300_000L, needed));
    }
}
