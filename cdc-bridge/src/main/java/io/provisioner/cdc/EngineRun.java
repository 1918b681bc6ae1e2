package io.provisioner.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.engine.spi.OffsetCommitPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lifetime of the Debezium engine on its own thread: from {@link #start} until it fails or
 * {@link #close} stops it. A new run is started for every restart. Thread-safe.
 */
final class EngineRun implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineRun.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicReference<String> failure = new AtomicReference<>();

    private EngineRun(Properties props, DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> handler) {
        // Debezium 3.6: the properties must be given before the handler, which reads them
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(props)
                .notifying(handler)
                .using(OffsetCommitPolicy.always())
                .using(this::completed)
                .build();
    }

    static EngineRun start(
            Properties props, DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> handler, String name) {
        EngineRun run = new EngineRun(props, handler);
        Thread t = new Thread(run::runEngine, name);
        t.setDaemon(true);
        t.start();
        return run;
    }

    private void runEngine() {
        try {
            engine.run();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, describe(e));
        } finally {
            done.complete(null);
        }
    }

    private void completed(boolean success, String message, Throwable error) {
        if (!success || error != null) {
            failure.compareAndSet(null, error == null ? message : describe(error));
        }
    }

    boolean isRunning() {
        return !done.isDone();
    }

    /** Why the engine stopped on its own, once it has; null when it stopped normally or still runs. */
    String failure() {
        return failure.get();
    }

    /** Stops the engine and waits for it; the last acknowledged batch's offset is committed. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (isRunning() && System.nanoTime() < deadline) {
            try {
                engine.close();
                done.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            } catch (IllegalStateException e) {
                // the engine refuses to stop while its tasks are starting: ask again shortly
                pause();
            } catch (IOException | ExecutionException | TimeoutException e) {
                LOG.warn("the CDC engine did not stop cleanly: {}", e.toString());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == t ? t.toString() : t + " (caused by " + root + ")";
    }
}
