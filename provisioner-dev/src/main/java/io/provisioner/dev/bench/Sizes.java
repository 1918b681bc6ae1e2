package io.provisioner.dev.bench;

import java.time.Duration;

/**
 * How big each scenario is. {@link #fullRun()} runs a few minutes on 2 cores; {@link #quickRun()} is a smoke
 * run of tiny sizes whose figures mean nothing but prove every scenario still runs.
 */
record Sizes(
        boolean quick,
        double rateSeconds,
        int latencyOwners,
        int adaptOwners,
        Duration adaptTimeout,
        int capacityOwners,
        int cdcRows,
        int waitingRequests) {

    static Sizes fullRun() {
        return new Sizes(false, 20, 100, 1300, Duration.ofSeconds(300), 8000, 20_000, 100_000);
    }

    static Sizes quickRun() {
        return new Sizes(true, 0.25, 5, 10, Duration.ofSeconds(60), 20, 200, 200);
    }

    /** Owners for a rate scenario at {@code rate}/s: {@link #rateSeconds} of work, at least 5. */
    int rateOwners(double rate) {
        return (int) Math.max(5, Math.round(rate * rateSeconds));
    }
}
