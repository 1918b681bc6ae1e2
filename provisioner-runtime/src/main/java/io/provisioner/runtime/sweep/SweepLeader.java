package io.provisioner.runtime.sweep;

import io.provisioner.cdc.LeaderLock;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one sweep among every process running the {@code sweep} component of a pipeline, like cdc: a
 * session-level advisory lock of its own ({@link LeaderLock#forSweep}), taken when a pass is due and kept
 * until the process stops or its session is lost. Thread-safe.
 */
public final class SweepLeader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SweepLeader.class);

    private final LeaderLock lock;
    private volatile boolean leading;

    public SweepLeader(LeaderLock lock) {
        this.lock = lock;
    }

    /** True when this process leads the sweep now: holds the lock, or has just taken it. */
    public synchronized boolean lead() {
        boolean was = leading;
        try {
            leading = lock.isHeld() && lock.stillHeld() || lock.tryAcquire();
        } catch (SQLException e) {
            LOG.warn("cannot reach PostgreSQL for the sweep's leadership lock: {}", e.getMessage());
            leading = false;
        }
        if (leading != was) {
            LOG.info(leading ? "sweep is active in this process" : "sweep is on standby: another process runs it");
        }
        return leading;
    }

    /** True while this process led the sweep at its last check. */
    public boolean leading() {
        return leading;
    }

    @Override
    public synchronized void close() {
        lock.close();
        leading = false;
    }
}
