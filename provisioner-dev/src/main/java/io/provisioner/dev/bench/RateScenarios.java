package io.provisioner.dev.bench;

import io.provisioner.simulator.SimCall;
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

    /** The kinds of process whose resident set is a figure, as deployed. */
    static final List<String> PROCESS_KINDS = List.of("cdc,retry", "provisioner");

    /** {@code instances} instances sharing the postgres bucket at {@code rate}/s, owners inserted while running. */
    List<Figure> rate(int instances, double rate, String target) throws Exception {
        return rate(instances, rate, target, false);
    }

    /**
     * As {@link #rate(int, double, String)}; with {@code residentSets}, also each kind of process's resident
     * set once the group settled (idle) and the largest of one-second samples while the owners are provisioned
     * (NaN in one JVM, where the instances have no process of their own).
     */
    List<Figure> rate(int instances, double rate, String target, boolean residentSets) throws Exception {
        int owners = ctx.sizes.rateOwners(rate);
        String name = "rate" + instances + "x" + (int) rate;
        List<Instant> creates;
        Map<String, Long> idle;
        RssSampler busy;
        try (BenchPipeline p = ctx.pipeline(name, Map.of("OR_RATE_PER_SEC", Double.toString(rate)))) {
            p.start(instances);
            warmUp(p);
            int warm = heatUp(ctx, p, rate, 1);
            if (!p.awaitSettledGroup(Duration.ofMinutes(2))) {
                throw new IllegalStateException("scenario " + name + ": the consumer group did not settle in 2 min");
            }
            idle = RssSampler.now(p.instances());
            int before = ctx.creates().size();
            try (RssSampler sampler = new RssSampler(p.instances())) {
                busy = sampler;
                p.tables().insertOwners(owners);
                require(
                        BenchContext.awaitKeys(p, owners + 1 + warm, timeout(owners, rate)),
                        name,
                        p.tables().storedKeys(),
                        owners + 1 + warm);
            }
            List<Instant> all = ctx.creates();
            creates = all.subList(before, all.size());
        }
        String scenario = instances + " instance" + (instances > 1 ? "s" : "") + ", " + fmt(rate) + "/s";
        List<Figure> out = new java.util.ArrayList<>(rateFigures(scenario, creates, rate, target));
        if (residentSets) {
            for (String kind : PROCESS_KINDS) {
                out.add(new Figure(
                        scenario,
                        "resident set, " + kind + " process, idle",
                        "MiB",
                        RssSampler.mib(idle, kind),
                        Double.NaN,
                        ""));
            }
            for (String kind : PROCESS_KINDS) {
                out.add(new Figure(
                        scenario,
                        "resident set, " + kind + " process, at " + fmt(rate) + "/s (largest 1-s sample)",
                        "MiB",
                        busy.maxMib(kind),
                        Double.NaN,
                        ""));
            }
        }
        return out;
    }

    private List<Figure> rateFigures(String scenario, List<Instant> creates, double rate, String target) {
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
            p.start(1);
            warmUp(p);
            int callsBefore = ctx.calls().size();
            ctx.simulator.allowRate(allowed);
            p.tables().insertOwners(owners);
            BenchContext.await(
                    () -> p.tables().storedKeys() + p.tables().deadJobs() >= owners + 1,
                    ctx.sizes.adaptTimeout(),
                    BenchContext.BULK_POLL_MILLIS);
            List<Instant> stored = p.tables().storedTimes();
            share = BenchContext.perSecond(stored.subList(1, stored.size())) / allowed;
            // counted at the double, in either mode: the calls it answered, and those it answered 429
            List<SimCall> calls = ctx.calls();
            List<SimCall> since = calls.subList(Math.min(callsBefore, calls.size()), calls.size());
            share429 = since.stream().filter(c -> c.status() == 429).count() / (double) Math.max(1, since.size());
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
     * The rate limit off (10000/s), the simulator answering at once, owners inserted after a warm-up:
     * once through the shared postgres bucket (every call still a row lock in Postgres), once with the
     * local limiter (what one instance alone costs).
     */
    List<Figure> capacity() throws Exception {
        String scenario = "capacity: rate limit off, simulator latency 0, 1 instance";
        String target = ctx.sizes.quick() ? "" : ">= 1000";
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
            p.start(1);
            warmUp(p);
            int warm = heatUp(ctx, p, 10_000, 1);
            p.tables().insertOwners(owners);
            require(
                    BenchContext.awaitKeys(p, 1 + warm + owners, timeout(owners, 20)),
                    name,
                    p.tables().storedKeys(),
                    1 + warm + owners);
            List<Instant> stored = p.tables().storedTimes();
            return BenchContext.perSecond(stored.subList(1 + warm, stored.size()));
        }
    }

    /**
     * {@link Sizes#warmUpOwners} owners provisioned at {@code rate}/s before the scenario measures: a fresh
     * JVM spends its first half minute compiling (async-profiler, as deployed: 40 % of the provisioner
     * process's CPU in its first 30 s of load went to the JIT compiler, and its CPU per provision fell by
     * 45 % from the first 3,000 owners to the third), and a long-running process is past that.
     *
     * @param stored keys stored already
     * @return the owners it provisioned
     */
    static int heatUp(BenchContext ctx, BenchPipeline p, double rate, long stored) throws Exception {
        int owners = ctx.sizes.warmUpOwners(rate);
        if (owners == 0) {
            return 0;
        }
        p.tables().insertWarmUp(owners);
        require(
                BenchContext.awaitKeys(p, stored + owners, timeout(owners, Math.min(rate, 100))),
                "warm-up",
                p.tables().storedKeys(),
                stored + owners);
        return owners;
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
