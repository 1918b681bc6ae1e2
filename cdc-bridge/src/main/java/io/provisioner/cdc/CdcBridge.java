package io.provisioner.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.connect.ProvisioningRequestTransform;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.time.Heartbeat;
import io.provisioner.core.time.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams row changes of the captured tables from PostgreSQL's WAL (Debezium embedded engine,
 * pgoutput) to {@code <prefix>.requests}, one compact request per change, keyed
 * {@code <owner_type>:<owner_id>}.
 *
 * <p>Only one process can stream from a replication slot, so every instance competes for a
 * PostgreSQL advisory lock on the slot; the holder streams, the others stay on standby and try again
 * every {@link Timings#leaderCheckInterval()}. A holder whose lock session is gone stops its engine;
 * a failed engine is restarted after {@link Timings#restartBackoff()} from the last committed offset.
 * Those decisions are {@link CdcSupervisor}'s, on the given {@link Ticker}.
 * Delivery is at-least-once: a crash may duplicate requests, never lose them.
 *
 * <p>Known limit of Debezium 3.6.x: rows that share one LSN (a multi-row INSERT or COPY) may be skipped
 * after a restart; the provisioner's periodic sweep finds such owners.
 *
 * <p>Lifecycle: construct, {@link #start()} once (returns at once), {@link #close()} once. The state
 * queries are thread-safe.
 */
public final class CdcBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CdcBridge.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** How often leadership is checked and a failed engine restarted. */
    public record Timings(Duration leaderCheckInterval, Duration restartBackoff) {
        public static final Timings DEFAULT = new Timings(Duration.ofSeconds(5), Duration.ofSeconds(5));

        public Timings {
            Objects.requireNonNull(leaderCheckInterval, "leaderCheckInterval");
            Objects.requireNonNull(restartBackoff, "restartBackoff");
            if (leaderCheckInterval.isNegative() || leaderCheckInterval.isZero()) {
                throw new IllegalArgumentException("leaderCheckInterval must be positive, was " + leaderCheckInterval);
            }
        }
    }

    private final ProvisionerConfig config;
    private final Map<String, Object> producerOverrides;
    private final Timings timings;
    private final CdcMetrics metrics;
    private final ProvisioningRequestTransform<SourceRecord> transform;
    private final Clock clock;
    private final CdcSupervisor supervision;
    private final ScheduledExecutorService supervisor;
    private final Heartbeat heartbeat;
    private volatile boolean closed;

    /**
     * A leader check (a lock query, an engine start or stop) that has not finished for this long is stuck:
     * {@link #isLive()} turns false. Well above the slowest healthy check, an engine stopping (its 30 s
     * producer close) and starting again.
     */
    public static final Duration STUCK_AFTER = Duration.ofMinutes(5);

    /**
     * @param producerOverrides producer settings applied last (client id, timeouts, ...)
     * @param clock stamps the published requests and measures their lag
     * @param ticker times leader checks and engine restarts
     * @throws io.provisioner.core.config.ConfigException when the database is not configured
     */
    public CdcBridge(
            ProvisionerConfig config,
            Map<String, Object> producerOverrides,
            MeterRegistry registry,
            Clock clock,
            Ticker ticker) {
        this(config, producerOverrides, registry, Timings.DEFAULT, clock, ticker);
    }

    public CdcBridge(
            ProvisionerConfig config,
            Map<String, Object> producerOverrides,
            MeterRegistry registry,
            Timings timings,
            Clock clock,
            Ticker ticker) {
        this.config = config;
        this.producerOverrides = Map.copyOf(producerOverrides);
        this.timings = timings;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = new CdcMetrics(registry);
        this.transform = transform(config, this.clock);
        this.supervision = new CdcSupervisor(
                config.cdc().slotName(),
                new LeaderLock(config.requireDatabase(), config.cdc().slotName()),
                this::startEngine,
                metrics,
                timings,
                Objects.requireNonNull(ticker, "ticker"));
        this.heartbeat = new Heartbeat(Objects.requireNonNull(ticker, "ticker"));
        EngineProperties.build(config); // fails now, naming the setting, rather than in the background
        this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cdc-supervisor-" + config.cdc().slotName() + "-" + INSTANCES.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Competes for leadership in the background; the topics must exist (the process creates them). */
    public void start() {
        supervisor.scheduleWithFixedDelay(
                this::supervise, 0, timings.leaderCheckInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** True while this instance holds the leadership and streams (or is about to restart its engine). */
    public boolean isActive() {
        return supervision.isActive();
    }

    /** False once closed, or after repeated engine failures in a row. A standby instance is healthy. */
    public boolean isHealthy() {
        return !closed && supervision.isHealthy();
    }

    /**
     * False when the leader checks have not completed for {@link #STUCK_AFTER}: the supervisor thread is
     * stuck, and only a restart helps. A standby, a failing engine or a down database keep it true (the
     * checks go on, each bounded): those are {@link #isHealthy()}'s business.
     */
    public boolean isLive() {
        return closed || !heartbeat.silentLongerThan(STUCK_AFTER);
    }

    /** For {@code /health/live}: how long the leader checks have been silent. */
    public String liveDetail() {
        return "last leader check " + heartbeat.silentFor().toSeconds() + " s ago";
    }

    private void supervise() {
        if (!closed) {
            supervision.supervise();
            heartbeat.beat();
        }
    }

    /** A run of the engine publishing through a producer of its own; both stop together. */
    private CdcSupervisor.Engine startEngine() {
        Producer<String, byte[]> producer = new KafkaProducer<>(producerProperties());
        EngineRun run;
        try {
            RequestPublisher publisher = new RequestPublisher(producer, transform, metrics, clock);
            run = EngineRun.start(
                    EngineProperties.build(config),
                    publisher,
                    "cdc-engine-" + config.cdc().slotName());
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return new CdcSupervisor.Engine() {
            @Override
            public boolean isRunning() {
                return run.isRunning();
            }

            @Override
            public String failure() {
                return run.failure();
            }

            @Override
            public void close() {
                run.close();
                producer.flush();
                producer.close(Duration.ofSeconds(30));
            }
        };
    }

    /** The transform Debezium on Kafka Connect would apply, configured as {@code deploy/connect/} configures it. */
    static ProvisioningRequestTransform<SourceRecord> transform(ProvisionerConfig config, Clock clock) {
        ProvisioningRequestTransform<SourceRecord> t = new ProvisioningRequestTransform<>(clock);
        t.configure(Map.of(
                ProvisioningRequestTransform.TABLES,
                String.join(",", config.cdc().tables().keySet()),
                ProvisioningRequestTransform.TOPIC_PREFIX,
                config.topics().prefix(),
                ProvisioningRequestTransform.POLICIES_TABLE,
                config.cdc().policiesTable()));
        return t;
    }

    Map<String, Object> producerProperties() {
        return KafkaClientSettings.of(config)
                .idempotentProducer()
                .set(
                        ProducerConfig.CLIENT_ID_CONFIG,
                        "cdc-bridge-" + config.cdc().slotName())
                .set(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5)
                .set(ProducerConfig.LINGER_MS_CONFIG, 5)
                .overriddenBy(producerOverrides)
                .set(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class)
                .set(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .build();
    }

    /** Stops the engine (committing what Kafka acknowledged), flushes the producer, releases the lock. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        supervisor.shutdown();
        try {
            if (!supervisor.awaitTermination(90, TimeUnit.SECONDS)) {
                LOG.warn("CDC supervision did not finish in time; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        supervision.close();
        LOG.info("CDC bridge for slot {} closed", config.cdc().slotName());
    }
}
