package io.provisioner.retry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.time.Heartbeat;
import io.provisioner.core.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every record of {@code <prefix>.retry.<n>} (every tier that exists, also those above a lowered
 * {@code OR_MAX_ATTEMPTS}) back to {@code <prefix>.requests} (same key, value
 * and headers) no earlier than its due time and, while the partition is keeping up, about a second
 * after it at most. Consumer group {@code retry-scheduler}; forwarding and the offset commit share one
 * Kafka transaction, so a crash neither loses nor doubles a record.
 *
 * <p>Lifecycle: construct, {@link #start()} (polls on its own thread; the topics must exist: the process
 * creates them), {@link #close()}. {@link #healthy()} may be called from any thread.
 */
public final class RetryScheduler implements AutoCloseable {

    /** The scheduler's consumer group, unless a test overrides {@code group.id}. */
    public static final String GROUP_ID = "retry-scheduler";

    private static final Logger LOG = LoggerFactory.getLogger(RetryScheduler.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

    /**
     * A turn of the polling loop (a poll of at most a second, a forwarded batch and its commit, each
     * bounded by the clients' own timeouts) that has not finished for this long is stuck.
     */
    public static final Duration STUCK_AFTER = Duration.ofMinutes(5);

    private final ProvisionerConfig config;
    private final Clock clock;
    private final Map<String, Object> clientOverrides;
    private final Topics topics;
    private final RetryMetrics metrics;
    private final MeterRegistry registry;
    private final Heartbeat heartbeat;
    private KafkaClientMetrics clientMetrics;
    private volatile boolean running;
    private volatile boolean failed;
    private volatile boolean abandon;
    private volatile Consumer<byte[], byte[]> consumer;
    private Thread thread;

    /**
     * @param clock the time due dates are compared with
     * @param clientOverrides Kafka client settings that win over ours, e.g. {@code group.id} in tests;
     *     each client takes the keys it knows
     */
    public RetryScheduler(
            ProvisionerConfig config, MeterRegistry registry, Clock clock, Map<String, Object> clientOverrides) {
        this.config = config;
        this.clock = clock;
        this.heartbeat = new Heartbeat(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
        this.clientOverrides = Map.copyOf(clientOverrides);
        this.topics = config.topics();
        this.metrics = new RetryMetrics(registry, topics.retries().size());
        this.registry = registry;
    }

    /** Starts polling on a thread of its own. Call once. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("retry scheduler already started");
        }
        consumer = new KafkaConsumer<>(ClientProperties.consumer(config, clientOverrides));
        clientMetrics = new KafkaClientMetrics(consumer);
        clientMetrics.bindTo(registry);
        running = true;
        thread = new Thread(this::run, "retry-scheduler");
        thread.start();
    }

    private void run() {
        Map<String, Object> producerProps = ClientProperties.producer(config, clientOverrides);
        TransactionalForwarder forwarder = new TransactionalForwarder(
                () -> new KafkaProducer<>(producerProps), topics.requestsRaw().name());
        ForwardLoop loop = new ForwardLoop(consumer, forwarder, topics, config.retry(), clock, metrics);
        try {
            forwarder.ensureProducer();
            loop.subscribe();
            LOG.info(
                    "retry scheduler polling every retry topic of '{}' ({} configured tiers)",
                    topics.prefix(),
                    topics.retries().size());
            while (running) {
                loop.pollOnce();
                heartbeat.beat();
            }
        } catch (WakeupException e) {
            if (running) {
                failed = true;
                LOG.error("retry scheduler woken up unexpectedly; stopping");
            }
        } catch (RuntimeException e) {
            failed = true;
            LOG.error("retry scheduler stopped: {}", e.toString(), e);
        } finally {
            shutDown(forwarder);
        }
    }

    private void shutDown(TransactionalForwarder forwarder) {
        clientMetrics.close();
        if (abandon) {
            forwarder.abandon();
            consumer.close(Duration.ZERO);
            running = false;
            return;
        }
        try {
            forwarder.close(CLOSE_TIMEOUT);
        } finally {
            consumer.close(CLOSE_TIMEOUT);
            running = false;
            LOG.info("retry scheduler stopped");
        }
    }

    /** True while the polling thread runs and has not failed. */
    public boolean healthy() {
        Thread t = thread;
        return t != null && t.isAlive() && running && !failed;
    }

    /**
     * False once the polling thread has ended on a failure, or when one turn of its loop has not finished
     * for {@link #STUCK_AFTER}: only a restart brings it back. True before {@link #start()} and after
     * {@link #close()}.
     */
    public boolean live() {
        Thread t = thread;
        if (t == null || !running && !failed) {
            return true;
        }
        return !failed && t.isAlive() && !heartbeat.silentLongerThan(STUCK_AFTER);
    }

    /** For {@code /health/live}: the loop's state in a few words. */
    public String liveDetail() {
        return failed
                ? "polling thread ended on a failure"
                : "last poll " + heartbeat.silentFor().toSeconds() + " s ago";
    }

    /** Stops polling, aborts an open transaction and closes the clients; returns within a few seconds. */
    @Override
    public void close() {
        stop(false);
    }

    /** Tests only: stops like a crash, leaving commits and transactions as they are. */
    void abandon() {
        stop(true);
    }

    private synchronized void stop(boolean crash) {
        if (thread == null || !running) {
            return;
        }
        abandon = crash;
        running = false;
        try {
            consumer.wakeup();
        } catch (IllegalStateException e) {
            // the polling thread closed the consumer after failing on its own
        }
        try {
            thread.join(CLOSE_TIMEOUT.multipliedBy(3).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("retry scheduler thread did not stop within {}", CLOSE_TIMEOUT.multipliedBy(3));
        }
    }
}
