package io.provisioner.dev.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Rate efficiency and busiest second, 429 adaptation, capacity: figures of the OpenRouter calls. */
final class RateScenarios {
    private final BenchContext ctx;

    RateScenarios(BenchContext ctx) {
        this.ctx = ctx;
    }

    /** {@code instances} instances sharing the postgres bucket at {@code rate}/s, owners inserted while running. */
    List<Figure> rate(int instances, double rate, String target) throws Exception {
        int owners = ctx.sizes.rateOwners(rate);
        String name = "rate" + instances + "x" + (int) rate;
        List<Instant> creates;
        try (BenchPipeline p = ctx.pipeline(name, Map.of("OR_RATE_PER_SEC", Double.toString(rate)))) {
            p.start(instances - 1);
            warmUp(p);
            if (!p.awaitSettledGroup(Duration.ofMinutes(2))) {
                throw new IllegalStateException("scenario " + name + ": the consumer group did not settle in 2 min");
            }
            int before = ctx.creates().size();
            p.tables().insertOwners(owners);
            require(
                    BenchContext.awaitKeys(p, owners + 1, timeout(owners, rate)),
                    name,
                    p.tables().storedKeys(),
                    owners + 1);
            List<Instant> all = ctx.creates();
            creates = all.subList(before, all.size());
        }
        String scenario = instances + " instance" + (instances > 1 ? "s" : "") + ", " + fmt(rate) + "/s";
        return List.of(
                new Figure(
                        scenario,
                        "rate efficiency: achieved / allowed",
                        "",
                        BenchContext.perSecond(creates) / rate,
                        SeedSchedule.RATE / rate,
                        ctx.sizes.quick() ? "" : target),
                new Figure(
                        scenario,
                        "busiest 1-s window",
                        "creates",
                        BenchContext.busiestSecond(creates),
                        SeedSchedule.BUSIEST_SECOND,
                        ctx.sizes.quick() ? "" : "<= " + fmt(rate + 1)));
    }

    /** Configured 20/s, the server allowing 10/s, backoff scaled down to 1-8 s. */
    List<Figure> adaptation() throws Exception {
        int owners = ctx.sizes.adaptOwners();
        double allowed = 10;
        double share;
        double share429;
        long dead;
        try (BenchPipeline p = ctx.pipeline(
                "adapt",
                Map.of("OR_RATE_PER_SEC", "20", "OR_BACKOFF_INITIAL_MS", "1000", "OR_BACKOFF_MAX_MS", "8000"))) {
            p.start(0);
            warmUp(p);
            double callsBefore = p.apiCalls(null);
            double refusedBefore = p.apiCalls("429");
            ctx.simulator.allowRate(allowed);
            p.tables().insertOwners(owners);
            BenchContext.await(
                    () -> p.tables().storedKeys() + p.tables().deadJobs() >= owners + 1, ctx.sizes.adaptTimeout());
            List<Instant> stored = p.tables().storedTimes();
            share = BenchContext.perSecond(stored.subList(1, stored.size())) / allowed;
            share429 = (p.apiCalls("429") - refusedBefore) / Math.max(1, p.apiCalls(null) - callsBefore);
            dead = p.tables().deadJobs();
        }
        String scenario = "429 adaptation: 20/s configured, server allows 10/s";
        boolean q = ctx.sizes.quick();
        return List.of(
                new Figure(scenario, "achieved / 10/s", "", share, SeedSchedule.RATE / allowed, q ? "" : ">= 0.9"),
                new Figure(scenario, "calls answered 429", "share", share429, 0, q ? "" : "< 0.05"),
                new Figure(scenario, "dead letters", "owners", dead, 0, q ? "" : "0"));
    }

    /**
     * The rate limit off (10000/s), the simulator answering at once, owners inserted before the start:
     * once through the shared postgres bucket (every call still a row lock in Postgres), once with the
     * local limiter (what one instance alone costs).
     */
    List<Figure> capacity() throws Exception {
        String scenario = "capacity: rate limit off, simulator latency 0, 1 instance";
        String target = ctx.sizes.quick() ? "" : ">= 500 (goal 1000)";
        return List.of(
                new Figure(
                        scenario,
                        "provisions per second",
                        "1/s",
                        provisionsPerSecond("capacity", "postgres"),
                        SeedSchedule.RATE,
                        target),
                new Figure(
                        scenario,
                        "provisions per second, local limiter",
                        "1/s",
                        provisionsPerSecond("capacitylocal", "local"),
                        SeedSchedule.RATE,
                        target));
    }

    private double provisionsPerSecond(String name, String limiter) throws Exception {
        int owners = ctx.sizes.capacityOwners();
        try (BenchPipeline p = ctx.pipeline(name, Map.of("OR_RATE_PER_SEC", "10000", "OR_RATE_LIMITER", limiter))) {
            ctx.simulator.setLatency(Duration.ZERO);
            p.tables().insertOwners(owners);
            p.start(0);
            require(
                    BenchContext.awaitKeys(p, owners, timeout(owners, 20)),
                    name,
                    p.tables().storedKeys(),
                    owners);
            return BenchContext.perSecond(p.tables().storedTimes());
        }
    }

    /** One owner provisioned end to end: every component is up and the group has settled. */
    static void warmUp(BenchPipeline p) throws Exception {
        p.tables().insertOne("warmup");
        require(
                BenchContext.awaitKeys(p, 1, Duration.ofMinutes(3)),
                "warm-up",
                p.tables().storedKeys(),
                1);
    }

    private static Duration timeout(int owners, double rate) {
        return Duration.ofSeconds(120 + (long) (3 * owners / rate));
    }

    static void require(boolean done, String scenario, long got, long wanted) {
        if (!done) {
            throw new IllegalStateException(
                    "scenario " + scenario + " did not finish: " + got + " of " + wanted + " keys stored");
        }
    }

    static String fmt(double v) {
        return Report.format(v);
    }
}
