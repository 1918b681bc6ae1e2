package io.provisioner.cdc;

import io.provisioner.core.time.Ticker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of {@link CdcBridge}, one {@link #supervise()} per leader check: compete for the
 * leadership while on standby, step down when the lock's session is gone, restart a stopped engine
 * after {@link CdcBridge.Timings#restartBackoff()}. Time is read from the given {@link Ticker} only, and
 * the lock and the engine are behind the interfaces below, so that tests drive it without PostgreSQL,
 * Kafka or sleeping.
 *
 * <p>Not thread-safe: {@link #supervise()} and {@link #close()} are called from one thread at a time
 * (the bridge's supervisor thread, then the closing thread once that has ended); {@link #isActive()} and
 * {@link #isHealthy()} may be called from any thread.
 */
final class CdcSupervisor {

    private static final Logger LOG = LoggerFactory.getLogger(CdcSupervisor.class);

    /** A run that lasted this long was healthy: the count of failures in a row starts again. */
    static final Duration HEALTHY_RUN = Duration.ofMinutes(1);

    /** Engine failures in a row from which the bridge reports itself unhealthy. */
    static final int UNHEALTHY_AFTER_FAILURES = 3;

    /** Leader checks a bridge that stepped down waits before competing again, so another takes over. */
    static final int STEP_DOWN_CHECKS = 3;

    /** The leadership lock ({@link LeaderLock}). */
    interface Leadership {
        boolean isHeld();

        /** Takes the lock if nobody holds it; true when this instance holds it afterwards. */
        boolean tryAcquire() throws SQLException;

        /** True while the session holding the lock is alive; false (and the lock forgotten) once it is gone. */
        boolean stillHeld();

        /** Releases the lock. */
        void close();
    }

    /** One started run of the engine, with what it publishes through. */
    interface Engine {
        boolean isRunning();

        /** Why the engine stopped on its own, once it has; null when it stopped normally or still runs. */
        String failure();

        /** Stops the engine, committing what was acknowledged, and releases what it publishes through. */
        void close();
    }

    /** Starts a run of the engine from the last committed offset. */
    interface EngineStarter {
        Engine start();
    }

    private final String slotName;
    private final Leadership lock;
    private final EngineStarter engines;
    private final CdcMetrics metrics;
    private final CdcBridge.Timings timings;
    private final Ticker ticker;
    private volatile boolean active;
    private volatile int consecutiveFailures;
    private Engine run;
    private long restartNotBefore;
    private long competeNotBefore;
    private long runStartedAt;
    private boolean standbyLogged;

    CdcSupervisor(
            String slotName,
            Leadership lock,
            EngineStarter engines,
            CdcMetrics metrics,
            CdcBridge.Timings timings,
            Ticker ticker) {
        this.slotName = slotName;
        this.lock = lock;
        this.engines = engines;
        this.metrics = metrics;
        this.timings = timings;
        this.ticker = ticker;
        this.competeNotBefore = ticker.nanos();
        this.restartNotBefore = competeNotBefore;
    }

    /** True while this instance holds the leadership and streams (or is about to restart its engine). */
    boolean isActive() {
        return active;
    }

    /** False after {@value #UNHEALTHY_AFTER_FAILURES} engine failures in a row. A standby instance is healthy. */
    boolean isHealthy() {
        return consecutiveFailures < UNHEALTHY_AFTER_FAILURES;
    }

    /** One leader check: never throws, a failure is logged and the next check tries again. */
    void supervise() {
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
        if (ticker.nanos() - competeNotBefore < 0) {
            return;
        }
        try {
            if (lock.tryAcquire()) {
                LOG.info("CDC bridge is active: streaming from slot {}", slotName);
                standbyLogged = false;
                setActive(true);
                startEngine();
            } else if (!standbyLogged) {
                LOG.info("CDC bridge is on standby: another instance streams from slot {}", slotName);
                standbyLogged = true;
            }
        } catch (SQLException e) {
            LOG.warn("cannot reach PostgreSQL for the CDC leadership lock: {}", e.getMessage());
        }
    }

    private void superviseEngine() {
        if (run != null && run.isRunning()) {
            if (ticker.nanos() - runStartedAt > HEALTHY_RUN.toNanos()) {
                consecutiveFailures = 0;
            }
            return;
        }
        if (run != null) {
            consecutiveFailures++;
            restartNotBefore = ticker.nanos() + timings.restartBackoff().toNanos();
            LOG.warn(
                    "CDC engine stopped ({}); restarting in {}",
                    Objects.requireNonNullElse(run.failure(), "no reason given"),
                    timings.restartBackoff());
            stopEngine();
        }
        if (ticker.nanos() - restartNotBefore >= 0) {
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
        competeNotBefore = ticker.nanos()
                + STEP_DOWN_CHECKS * timings.leaderCheckInterval().toNanos();
        LOG.info("CDC bridge is on standby for slot {}", slotName);
    }

    /**
     * A start that throws (Kafka's bootstrap address does not resolve, say) is a failure like an engine
     * that stops: counted, and tried again after the backoff.
     */
    private void startEngine() {
        runStartedAt = ticker.nanos();
        try {
            run = engines.start();
        } catch (RuntimeException e) {
            consecutiveFailures++;
            restartNotBefore = ticker.nanos() + timings.restartBackoff().toNanos();
            LOG.warn("CDC engine could not start ({}); trying again in {}", e.toString(), timings.restartBackoff());
        }
    }

    private void stopEngine() {
        if (run != null) {
            Engine stopping = run;
            run = null;
            stopping.close();
        }
    }

    private void setActive(boolean value) {
        active = value;
        metrics.active(value);
        if (!value) {
            consecutiveFailures = 0;
        }
    }

    /** Stops the engine and releases the lock; the caller has stopped calling {@link #supervise()}. */
    void close() {
        stopEngine();
        lock.close();
        setActive(false);
    }
}
