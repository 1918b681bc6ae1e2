package io.provisioner.dev.bench;

import io.provisioner.runtime.Components;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
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
            p.start(0);
            RateScenarios.warmUp(p);
            long t0 = System.nanoTime();
            for (int i = 0; i < owners; i++) {
                arrivals[i] = i * 0.2;
                long due = t0 + (long) (arrivals[i] * 1e9);
                Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                p.tables().insertOne("owner " + i);
            }
            RateScenarios.require(
                    BenchContext.awaitKeys(p, owners + 1, Duration.ofMinutes(2)),
                    "latency",
                    p.tables().storedKeys(),
                    owners);
            ours = p.tables().latencies();
        }
        double[] seed = SeedSchedule.latencies(arrivals);
        String scenario = "latency, row commit to stored key, 5 owners/s";
        boolean q = ctx.sizes.quick();
        List<Figure> out = new ArrayList<>();
        out.add(quantile(scenario, "p50", ours, seed, 0.50, q ? "" : "<= 0.15"));
        out.add(quantile(scenario, "p95", ours, seed, 0.95, ""));
        out.add(quantile(scenario, "p99", ours, seed, 0.99, q ? "" : "<= 0.5"));
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
            p.start(EnumSet.of(Components.CDC), 0);
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
     * Every component at 20/s while {@code waitingRequests} requests wait on the requests topic: heap
     * used after a full GC (this JVM: the pipeline and, with the embedded servers, the broker), the growth
     * over the same figure before the pipeline started, and the process's resident set.
     */
    List<Figure> memory() throws Exception {
        int waiting = ctx.sizes.waitingRequests();
        double baseline;
        double heap;
        double rss;
        try (BenchPipeline p = ctx.pipeline("memory", Map.of("OR_RATE_PER_SEC", "20"));
                TopicCounter reader = new TopicCounter(p.kafka(), p.requestsTopic())) {
            baseline = heapAfterGc();
            p.start(0);
            p.tables().insertOwners(waiting);
            RateScenarios.require(
                    BenchContext.await(() -> reader.count() >= waiting, Duration.ofMinutes(5)),
                    "memory",
                    reader.count(),
                    waiting);
            heap = heapAfterGc();
            rss = rss();
        }
        String scenario = "memory, " + waiting + " requests waiting, 20/s";
        boolean q = ctx.sizes.quick();
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

    private static double heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** VmRSS of this process in bytes (Linux), NaN elsewhere. */
    private static double rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
