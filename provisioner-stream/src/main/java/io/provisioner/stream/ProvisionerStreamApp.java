package io.provisioner.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.topics.Topics;
import io.provisioner.stream.internals.LeavingClientSupplier;
import io.provisioner.stream.internals.StreamLiveness;
import io.provisioner.stream.internals.StreamMetrics;
import io.provisioner.stream.internals.StreamsProperties;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provisioner-stream component: a Kafka Streams application (id {@value #APPLICATION_ID}) reading
 * {@code <prefix>.requests} and converging each owner's OpenRouter key through the given ports. Only
 * wires; the logic is in {@link ProvisionerTopology} and {@link ProvisioningService}.
 *
 * <p>Lifecycle: construct, {@link #start()} once (the topics must exist: the process creates them),
 * {@link #close()} (graceful, bounded). {@link #healthy()} is false before start, while OpenRouter
 * rejects the management key, and when the streams client is not running. Thread-safe.
 */
public final class ProvisionerStreamApp implements AutoCloseable {

    public static final String APPLICATION_ID = "provisioner-stream";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(ProvisionerStreamApp.class);

    private final Topics topics;
    private final Properties properties;
    private final KafkaStreams streams;
    private final CredentialsGate gate;
    private final KafkaStreamsMetrics clientMetrics;
    private final Duration stuckAfter;
    private volatile boolean closing;

    /** @param streamsOverrides Kafka Streams settings that win over the derived ones (tests: application.id) */
    public ProvisionerStreamApp(
            ProvisionerConfig config,
            KeysApi api,
            KeyStore store,
            RateLimiter limiter,
            MeterRegistry registry,
            Clock clock,
            Map<String, Object> streamsOverrides) {
        this.topics = config.topics();
        Duration permitWait = ProvisioningService.DEFAULT_PERMIT_WAIT;
        ProvisioningService service = new ProvisioningService(
                api,
                store,
                limiter,
                config.limits(),
                config.keyNames(),
                registry,
                permitWait,
                config.retry().maxRetryAfter());
        this.properties = StreamsProperties.of(
                config, APPLICATION_ID, topics, permitWait, new StreamMetrics(registry), clock, streamsOverrides);
        // the gate is built first: the topology asks it how often a record paused processing
        this.gate = new CredentialsGate(
                api,
                limiter,
                new CredentialsGate.Pausable() {
                    @Override
                    public void pause() {
                        ProvisionerStreamApp.this.streams.pause();
                    }

                    @Override
                    public void resume() {
                        ProvisionerStreamApp.this.streams.resume();
                    }
                },
                registry,
                clock,
                Duration.ofSeconds(1),
                Duration.ofSeconds(60));
        this.stuckAfter = StreamLiveness.stuckAfter(
                Integer.parseInt(String.valueOf(properties.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG))));
        this.streams = new KafkaStreams(
                ProvisionerTopology.build(topics, config.retry(), service, clock, registry, gate),
                properties,
                new LeavingClientSupplier());
        streams.setUncaughtExceptionHandler(new PauseOnCredentialsHandler(
                gate, clock, 10 * StreamsProperties.streamThreads(config), Duration.ofMinutes(5)));
        this.clientMetrics = new KafkaStreamsMetrics(streams);
        clientMetrics.bindTo(registry);
    }

    /** The stream threads one instance runs: one per partition, up to a cap; each uses a database connection. */
    public static int streamThreads(ProvisionerConfig config) {
        return StreamsProperties.streamThreads(config);
    }

    /** Starts processing. */
    public void start() {
        streams.start();
        LOG.info("{} started on {}", properties.get(StreamsConfig.APPLICATION_ID_CONFIG), topics.requests());
    }

    /** True while the client runs (or rebalances) and OpenRouter accepts the management key. */
    public boolean healthy() {
        return streams.state().isRunningOrRebalancing() && !gate.paused();
    }

    /** {@code UP} or {@code DOWN} with the reason, for {@code /health}; holds no secret. */
    public String healthDetail() {
        if (gate.paused()) {
            return "DOWN: OpenRouter rejects the management key: " + gate.reason();
        }
        KafkaStreams.State state = streams.state();
        return (state.isRunningOrRebalancing() ? "UP: " : "DOWN: ") + "kafka streams " + state;
    }

    /**
     * Null while the client is live; else why it is stuck ({@code ERROR}, or a stream thread that has not
     * polled for a minute longer than {@code max.poll.interval.ms}), for {@code /health/live}. A rejected
     * management key or a down broker is not stuck: {@link #healthy()} reports those.
     */
    public String stuck() {
        return StreamLiveness.stuck(streams.state(), closing, streams.metrics(), stuckAfter);
    }

    /**
     * Stops processing and leaves the consumer group at once (the application keeps no state to hand
     * back), so the partitions move to the other instances without waiting for the session to expire,
     * and {@code provisioner replay} may run as soon as the last instance has stopped.
     */
    @Override
    public void close() {
        closing = true;
        gate.close();
        clientMetrics.close();
        CloseOptions leave = CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(CLOSE_TIMEOUT);
        if (!streams.close(leave)) {
            LOG.warn("kafka streams did not close within {} s", CLOSE_TIMEOUT.toSeconds());
        }
    }
}
