package io.provisioner.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import java.sql.SQLException;
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
    private static final Duration HEALTHY_RUN = Duration.ofMinutes(1);

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
    private final ChangeRecordMapper mapper;
    private final LeaderLock lock;
    private final ScheduledExecutorService supervisor;
    private final Clock clock = Clock.systemUTC();
    private volatile boolean active;
    private volatile boolean closed;
    private volatile int consecutiveFailures;
    private EngineRun run;
    private Producer<String, byte[]> producer;
    private long restartNotBefore;
    private long competeNotBefore;
    private long runStartedAt;
    private boolean standbyLogged;

    /**
     * @param producerOverrides producer settings applied last (client id, timeouts, ...)
     * @throws io.provisioner.core.config.ConfigException when the database is not configured
     */
    public CdcBridge(ProvisionerConfig config, Map<String, Object> producerOverrides, MeterRegistry registry) {
        this(config, producerOverrides, registry, Timings.DEFAULT);
    }

    public CdcBridge(
            ProvisionerConfig config, Map<String, Object> producerOverrides, MeterRegistry registry, Timings timings) {
        this.config = config;
        this.producerOverrides = Map.copyOf(producerOverrides);
        this.timings = timings;
        this.metrics = new CdcMetrics(registry);
        this.mapper = new ChangeRecordMapper(config.cdc().tables());
        this.lock = new LeaderLock(config.requireDatabase(), config.cdc().slotName());
        this.competeNotBefore = System.nanoTime();
        this.restartNotBefore = competeNotBefore;
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
        return active;
    }

    /** False once closed, or after repeated engine failures in a row. A standby instance is healthy. */
    public boolean isHealthy() {
        return !closed && consecutiveFailures < 3;
    }

    private void supervise() {
        if (closed) {
            return;
        }
        try {
            if (!lock.isHeld()) {
                compete();
            } else if (!lock.stillHeld()) {
                stepDown("the session holding the leadership lock was lost");
            } else {
                superviseEngine();
            }
        } catch (RuntimeException e) {
            LOG.warn("CDC supervision failed, trying again in {}: {}", timings.leaderCheckInterval(), e.toString());
        }
    }

    private void compete() {
        if (System.nanoTime() - competeNotBefore < 0) {
            return;
        }
        try {
            if (lock.tryAcquire()) {
                LOG.info(
                        "CDC bridge is active: streaming from slot {}",
                        config.cdc().slotName());
                standbyLogged = false;
                setActive(true);
                startEngine();
            } else if (!standbyLogged) {
                LOG.info(
                        "CDC bridge is on standby: another instance streams from slot {}",
                        config.cdc().slotName());
                standbyLogged = true;
            }
        } catch (SQLException e) {
            LOG.warn("cannot reach PostgreSQL for the CDC leadership lock: {}", e.getMessage());
        }
    }

    private void superviseEngine() {
        if (run != null && run.isRunning()) {
            if (System.nanoTime() - runStartedAt > HEALTHY_RUN.toNanos()) {
                consecutiveFailures = 0;
            }
            return;
        }
        if (run != null) {
            consecutiveFailures++;
            restartNotBefore = System.nanoTime() + timings.restartBackoff().toNanos();
            LOG.warn(
                    "CDC engine stopped ({}); restarting in {}",
                    Objects.requireNonNullElse(run.failure(), "no reason given"),
                    timings.restartBackoff());
            stopEngine();
        }
        if (System.nanoTime() - restartNotBefore >= 0) {
            LOG.info("restarting the CDC engine from the last committed offset");
            metrics.engineRestarted();
            startEngine();
        }
    }

    private void stepDown(String reason) {
        LOG.warn("CDC bridge loses the leadership: {}", reason);
        stopEngine();
        lock.close();
        setActive(false);
        standbyLogged = true;
        // let another instance take over rather than win the lock straight back
        competeNotBefore = System.nanoTime() + 3 * timings.leaderCheckInterval().toNanos();
        LOG.info("CDC bridge is on standby for slot {}", config.cdc().slotName());
    }

    private void startEngine() {
        producer = new KafkaProducer<>(producerProperties());
        RequestPublisher publisher =
                new RequestPublisher(producer, config.topics().requestsRaw().name(), mapper, metrics, clock);
        runStartedAt = System.nanoTime();
        run = EngineRun.start(
                EngineProperties.build(config),
                publisher,
                "cdc-engine-" + config.cdc().slotName());
    }

    private void stopEngine() {
        if (run != null) {
            run.close();
            run = null;
        }
        if (producer != null) {
            producer.flush();
            producer.close(Duration.ofSeconds(30));
            producer = null;
        }
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

    private void setActive(boolean value) {
        active = value;
        metrics.active(value);
        if (!value) {
            consecutiveFailures = 0;
        }
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
        stopEngine();
        lock.close();
        setActive(false);
        LOG.info("CDC bridge for slot {} closed", config.cdc().slotName());
    }
}
