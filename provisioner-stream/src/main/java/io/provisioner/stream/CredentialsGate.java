package io.provisioner.stream;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.errors.CredentialsException;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds processing while OpenRouter rejects the management key (401/403). {@link #trip} pauses the
 * target and starts probing {@link KeysApi#verifyCredentials()} on its own thread, with a back-off that
 * doubles from {@code initialBackoff} to {@code maxBackoff}; the first accepted probe resumes the target.
 * Exposes {@code provisioner_openrouter_paused} (1 while paused). Thread-safe.
 *
 * <p>It also counts the pauses each record caused ({@link #pausesFor}). A pause ends only once a probe
 * was accepted, so a record that trips the gate again and again is refused for what it asks, not for
 * the key: after {@value #MAX_PAUSES_PER_RECORD} such pauses its next 403 dead-letters it.
 */
public final class CredentialsGate implements AutoCloseable {

    /** What the gate holds: in the app, the {@code KafkaStreams} instance. */
    public interface Pausable {
        void pause();

        void resume();
    }

    private static final Logger LOG = LoggerFactory.getLogger(CredentialsGate.class);
    /** Pauses one record may cause; its next 403 belongs to the request and dead-letters it. */
    public static final int MAX_PAUSES_PER_RECORD = 3;
    /** Records whose pauses are remembered; the oldest are forgotten beyond this. */
    private static final int REMEMBERED_RECORDS = 1_000;

    private final KeysApi api;
    private final RateLimiter limiter;
    private final Pausable target;
    private final Clock clock;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final ScheduledExecutorService prober;
    private volatile boolean paused;
    private volatile String reason = "";
    private volatile Instant pausedSince;
    private final Map<String, Integer> pausesByRecord = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > REMEMBERED_RECORDS;
        }
    };

    /** @param clock stamps the start of a pause, shown by {@link #reason()} */
    public CredentialsGate(
            KeysApi api,
            RateLimiter limiter,
            Pausable target,
            MeterRegistry registry,
            Clock clock,
            Duration initialBackoff,
            Duration maxBackoff) {
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "back-off must be positive and max >= initial, was " + initialBackoff + " / " + maxBackoff);
        }
        this.api = api;
        this.limiter = limiter;
        this.target = target;
        this.clock = clock;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "provisioner-credentials-probe");
            t.setDaemon(true);
            return t;
        });
        Gauge.builder("provisioner.openrouter.paused", this, g -> g.paused ? 1 : 0)
                .description("1 while processing is paused because OpenRouter rejects the management key")
                .register(registry);
    }

    /**
     * Pauses the target (once) and starts probing, counting a pause for the record ({@code
     * topic-partition@offset}) whose call was rejected; {@code recordId} null when unknown. {@code why}
     * must hold no secret.
     */
    public synchronized void trip(String why, String recordId) {
        if (recordId != null) {
            pausesByRecord.merge(recordId, 1, Integer::sum);
        }
        if (paused) {
            return;
        }
        paused = true;
        reason = why;
        pausedSince = clock.instant();
        LOG.error("OpenRouter rejected the management key ({}); processing paused until it is accepted", why);
        target.pause();
        schedule(initialBackoff);
    }

    /** How many pauses the record ({@code topic-partition@offset}) caused so far. */
    public synchronized int pausesFor(String recordId) {
        return recordId == null ? 0 : pausesByRecord.getOrDefault(recordId, 0);
    }

    public boolean paused() {
        return paused;
    }

    /** Why processing is paused, with the time it paused; empty while not paused. */
    public String reason() {
        return paused ? reason + " (paused since " + pausedSince + ")" : "";
    }

    private void schedule(Duration delay) {
        if (!prober.isShutdown()) {
            prober.schedule(() -> probe(delay), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void probe(Duration delay) {
        Duration next = delay.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : delay.multipliedBy(2);
        try {
            if (!limiter.acquire(delay)) {
                schedule(delay);
                return;
            }
            api.verifyCredentials();
            reopen();
        } catch (CredentialsException e) {
            reason = e.getMessage();
            LOG.warn("management key still rejected ({}); next check in {} s", e.getMessage(), next.toSeconds());
            schedule(next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("could not check the management key ({}); next check in {} s", e.getMessage(), next.toSeconds());
            schedule(next);
        }
    }

    private synchronized void reopen() {
        paused = false;
        LOG.info("OpenRouter accepts the management key again; resuming processing");
        target.resume();
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
