package io.provisioner.runtime;

import java.sql.Connection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Checks every 5 s, on its own thread, that Postgres answers, so that {@code /health} and {@code
 * provisioner_up{component="database"}} report it without blocking a scrape. Down until the first check
 * passed. Thread-safe; close once.
 */
final class DatabaseProbe implements AutoCloseable {

    private final DataSource dataSource;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "database-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile Pipeline.Health health = new Pipeline.Health(false, "not checked yet");

    private DatabaseProbe(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    static DatabaseProbe start(DataSource dataSource) {
        DatabaseProbe probe = new DatabaseProbe(dataSource);
        probe.check();
        probe.timer.scheduleWithFixedDelay(probe::check, 5, 5, TimeUnit.SECONDS);
        return probe;
    }

    private void check() {
        try (Connection c = dataSource.getConnection()) {
            health = c.isValid(5)
                    ? new Pipeline.Health(true, "reachable")
                    : new Pipeline.Health(false, "Postgres did not answer within 5 s");
        } catch (Exception e) {
            // the driver's message names host and database, never the password
            health = new Pipeline.Health(
                    false, "Postgres unreachable: " + e.getClass().getSimpleName());
        }
    }

    Pipeline.Health health() {
        return health;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
