package io.provisioner.runtime;

import java.sql.SQLTransientConnectionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up's database steps (migrate, the capture checks) again when they fail only because no pooled
 * connection came within the pool's wait. A process paused at start (a long GC, a frozen VM, SIGSTOP) wakes
 * up past that wait while the pool is still opening the connection it waited for, and would exit for
 * nothing; every step is safe to repeat (Flyway's migrate does nothing the second time). Any other failure
 * is thrown at once.
 */
final class StartupRetry {

    private static final Logger LOG = LoggerFactory.getLogger(StartupRetry.class);
    static final int ATTEMPTS = 3;

    private StartupRetry() {}

    static void run(String what, Runnable step) {
        run(what, () -> {
            step.run();
            return null;
        });
    }

    static <T> T run(String what, Supplier<T> step) {
        for (int attempt = 1; ; attempt++) {
            try {
                return step.get();
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS || !noConnectionInTime(e)) {
                    throw e;
                }
                LOG.warn(
                        "{}: no database connection within the pool's wait (attempt {}/{}); again",
                        what,
                        attempt,
                        ATTEMPTS);
            }
        }
    }

    static boolean noConnectionInTime(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }
}
