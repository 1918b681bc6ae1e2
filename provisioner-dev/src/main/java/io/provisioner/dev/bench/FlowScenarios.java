package io.provisioner.dev.bench;

import io.provisioner.runtime.Components;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/** Latency from commit to stored key, cdc-bridge throughput, memory with many requests waiting. */
final class FlowScenarios {
    private static final double MIB = 1024 * 1024;
    private final BenchContext ctx;

    FlowScenarios(BenchContext ctx) {
        this.ctx = ctx;
    }

    /** 5 owners a second, each its own autocommitted INSERT, at 20/s allowed. */
    List<Figure> latency() throws Exception {
        int owners = ctx.sizes.latencyOwners();
        double[] ours;
        double[] arrivals = new double[owners];
        try (BenchPipeline p = ctx.pipeline("latency", Map.of("OR_RATE_PER_SEC", "20"))) {
            p.start(1);
            RateScenarios.warmUp(p);
            int warm = RateScenarios.heatUp(ctx, p, 20, 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < owners; i++) {
                arrivals[i] = i * 0.2;
                long due = t0 + (long) (arrivals[i] * 1e9);
                Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                p.tables().insertOne("owner " + i);
            }
            RateScenarios.require(
                    BenchContext.awaitKeys(p, owners + 1 + warm, Duration.ofMinutes(2)),
                    "latency",
                    p.tables().storedKeys(),
                    owners);
            ours = p.tables().latencies();
        }
        double[] seed = SeedSchedule.latencies(arrivals);
        String scenario = "latency, row commit to stored key, 5 owners/s";
        boolean q = ctx.sizes.quick();
        List<Figure> out = new ArrayList<>();
        out.add(quantile(scenario, "p50", ours, seed, 0.50, q ? "" : "<= 0.05"));
        out.add(quantile(scenario, "p95", ours, seed, 0.95, ""));
        out.add(quantile(scenario, "p99", ours, seed, 0.99, q ? "" : "<= 0.2"));
        out.add(quantile(scenario, "max", ours, seed, 1.0, ""));
        return out;
    }

    private static Figure quantile(String scenario, String name, double[] ours, double[] seed, double p, String t) {
        return new Figure(scenario, name, "s", SeedSchedule.quantile(ours, p), SeedSchedule.quantile(seed, p), t);
    }

    /** cdc-bridge alone: rows inserted in one statement until each is a record on the requests topic. */
    List<Figure> cdc() throws Exception {
        int rows = ctx.sizes.cdcRows();
        double perSecond;
        try (BenchPipeline p = ctx.pipeline("cdc", Map.of());
                TopicCounter reader = new TopicCounter(p.kafka(), p.requestsTopic())) {
            p.startInstance(EnumSet.of(Components.CDC));
            p.tables().insertOne("warmup");
            RateScenarios.require(
                    BenchContext.await(() -> reader.count() >= 1, Duration.ofMinutes(3)), "cdc warm-up", 0, 1);
            long t0 = System.nanoTime();
            p.tables().insertOwners(rows);
            RateScenarios.require(
                    BenchContext.await(() -> reader.count() >= rows + 1, Duration.ofMinutes(5)),
                    "cdc",
                    reader.count(),
                    rows + 1);
            perSecond = rows / ((System.nanoTime() - t0) / 1e9);
        }
        return List.of(new Figure(
                "cdc-bridge alone, INSERT to requests topic",
                "rows per second",
                "1/s",
                perSecond,
                SeedSchedule.RATE,
                ctx.sizes.quick() ? "" : ">= 5000"));
    }

    /**
     * Every component at 20/s while {@code waitingRequests} requests wait on the requests topic. One JVM: heap
     * used after a full GC (this JVM: the pipeline and, with the embedded servers, the broker), the growth
     * over the same figure before the pipeline started, and the process's resident set. As deployed: the
     * resident set of the {@code cdc,retry} and of the {@code provisioner} process (the largest of the
     * samples taken at 0, 1 and 2 s and once more on closing, 2.1 s in).
     */
    List<Figure> memory() throws Exception {
        int waiting = ctx.sizes.waitingRequests();
        double baseline = Double.NaN;
        double heap = Double.NaN;
        double rss = Double.NaN;
        RssSampler processes;
        try (BenchPipeline p = ctx.pipeline("memory", Map.of("OR_RATE_PER_SEC", "20"));
                TopicCounter reader = new TopicCounter(p.kafka(), p.requestsTopic())) {
            if (!ctx.deployed()) {
                baseline = heapAfterGc();
            }
            p.start(1);
            p.tables().insertOwners(waiting);
            RateScenarios.require(
                    BenchContext.await(() -> reader.count() >= waiting, Duration.ofMinutes(5)),
                    "memory",
                    reader.count(),
                    waiting);
            if (ctx.deployed()) {
                try (RssSampler sampler = new RssSampler(p.instances())) {
                    processes = sampler;
                    Thread.sleep(2100);
                }
            } else {
                processes = null;
                heap = heapAfterGc();
                rss = Rss.of(Path.of("/proc/self/status"))
                        .map(Long::doubleValue)
                        .orElse(Double.NaN);
            }
        }
        String scenario = "memory, " + waiting + " requests waiting, 20/s";
        boolean q = ctx.sizes.quick();
        if (processes != null) {
            List<Figure> out = new ArrayList<>();
            for (String kind : RateScenarios.PROCESS_KINDS) {
                out.add(new Figure(
                        scenario, "resident set, " + kind + " process", "MiB", processes.maxMib(kind), Double.NaN, ""));
            }
            return out;
        }
        return List.of(
                new Figure(scenario, "heap after GC, whole JVM", "MiB", heap / MIB, Double.NaN, ""),
                new Figure(
                        scenario,
                        "heap growth since the pipeline started",
                        "MiB",
                        (heap - baseline) / MIB,
                        Double.NaN,
                        q ? "" : "<= 256"),
                new Figure(scenario, "resident set, whole JVM", "MiB", rss / MIB, Double.NaN, ""));
    }

    /**
     * As deployed: with the {@code cdc,retry} process up and streaming (a row inserted reached the requests
     * topic), from spawning a {@code provisioner} process to its
     * {@code /health} answering 200, and to the stored key of an owner inserted just before; and the
     * {@code cdc,retry} process's own spawn to {@code /health} 200. One JVM: none (NaN).
     */
    List<Figure> startup() throws Exception {
        double cdcReady = Double.NaN;
        double ready = Double.NaN;
        double firstKey = Double.NaN;
        if (ctx.deployed()) {
            try (BenchPipeline p = ctx.pipeline("startup", Map.of("OR_RATE_PER_SEC", "20"));
                    TopicCounter reader = new TopicCounter(p.kafka(), p.requestsTopic())) {
                Duration timeout = ProcessDeployment.readyTimeout();
                cdcReady = p.spawn(EnumSet.of(Components.CDC, Components.RETRY)).awaitReady(timeout);
                // up means streaming: a row already reaches the requests topic, so the figures below are the
                // provisioner's own
                p.tables().insertOne("warmup");
                RateScenarios.require(
                        BenchContext.await(() -> reader.count() >= 1, timeout), "startup cdc warm-up", 0, 1);
                p.tables().insertOne("first");
                long t0 = System.nanoTime();
                Deployment.Instance provisioner = p.spawn(EnumSet.of(Components.PROVISIONER));
                ready = provisioner.awaitReady(timeout);
                RateScenarios.require(
                        BenchContext.awaitKeys(p, 2, timeout),
                        "startup",
                        p.tables().storedKeys(),
                        2);
                firstKey = (System.nanoTime() - t0) / 1e9;
            }
        }
        String scenario = "startup, as deployed: from spawning the process";
        return List.of(
                new Figure(scenario, "cdc,retry process: to /health 200", "s", cdcReady, Double.NaN, ""),
                new Figure(scenario, "provisioner process: to /health 200", "s", ready, Double.NaN, ""),
                new Figure(
                        scenario,
                        "provisioner process: to the key of an owner inserted just before",
                        "s",
                        firstKey,
                        Double.NaN,
                        ""));
    }

    private static double heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
