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
        int waitingRequests,
        double warmUpSeconds) {

    static Sizes fullRun() {
        return new Sizes(false, 20, 100, 1300, Duration.ofSeconds(300), 8000, 20_000, 100_000, 20);
    }

    static Sizes quickRun() {
        return new Sizes(true, 0.25, 5, 10, Duration.ofSeconds(60), 20, 200, 200, 0);
    }

    /**
     * Most owners of one warm-up: at capacity's 10,000/s, {@link #warmUpSeconds} would be 200,000. After
     * 3,000 (and 5,000 more measured) the provisioner process as deployed still spent a third of its CPU in
     * the JIT compiler (async-profiler), and capacity measured 306/s and 349/s; after 12,000, 351/s and 509/s.
     */
    static final int MAX_WARM_UP_OWNERS = 12000;

    /** Owners provisioned before a scenario measures, at {@code rate}/s: {@link #warmUpSeconds} of work. */
    int warmUpOwners(double rate) {
        return (int) Math.min(MAX_WARM_UP_OWNERS, Math.round(rate * warmUpSeconds));
    }

    /** Owners for a rate scenario at {@code rate}/s: {@link #rateSeconds} of work, at least 5. */
    int rateOwners(double rate) {
        return (int) Math.max(5, Math.round(rate * rateSeconds));
    }
}
