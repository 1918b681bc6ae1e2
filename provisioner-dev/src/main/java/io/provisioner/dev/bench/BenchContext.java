package io.provisioner.dev.bench;

import io.provisioner.simulator.SimCall;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What every scenario shares: the settings of the servers, the simulator, the sizes, how instances run,
 * waiting.
 */
final class BenchContext {
    static final Duration SIM_LATENCY = Duration.ofMillis(20);

    final Map<String, String> base;
    final SimulatorControl simulator;
    final Sizes sizes;
    final Deployment deployment;
    private final String run = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    /** The latest scenario's pipeline, whose logs a failure report shows. */
    private volatile BenchPipeline latest;

    BenchContext(Map<String, String> base, SimulatorControl simulator, Sizes sizes, Deployment deployment) {
        this.base = base;
        this.simulator = simulator;
        this.sizes = sizes;
        this.deployment = deployment;
    }

    /** A fresh pipeline named {@code bench_<scenario>_<run>}, with a reset simulator answering in 20 ms. */
    BenchPipeline pipeline(String scenario, Map<String, String> settings) throws Exception {
        simulator.reset();
        simulator.setLatency(SIM_LATENCY);
        latest = new BenchPipeline("bench_" + scenario + "_" + run, base, settings, deployment);
        return latest;
    }

    /** The tails of the latest scenario's instance logs (as deployed; empty in one JVM). */
    String latestLogs(int lines) {
        BenchPipeline p = latest;
        return p == null ? "" : p.logTails(lines);
    }

    boolean deployed() {
        return deployment.separateProcesses();
    }

    /**
     * Waits until {@code owners} keys are stored, or {@code timeout}; returns whether they were. Each look
     * counts the keys table, a scan that the measured PostgreSQL pays for: at 20 looks a second, 1,091 of
     * them took 2.2 s of its time in one capacity run of 11,000 owners (pg_stat_statements), so a wait for
     * many keys looks every {@value #BULK_POLL_MILLIS} ms; the figures
     * come from the database's own timestamps, not from when the wait noticed them. A wait for a few keys
     * (start-up, which is timed by this wait) looks every {@value #POLL_MILLIS} ms.
     */
    static boolean awaitKeys(BenchPipeline p, long owners, Duration timeout) throws Exception {
        return await(() -> p.tables().storedKeys() >= owners, timeout, owners <= 10 ? POLL_MILLIS : BULK_POLL_MILLIS);
    }

    static final long POLL_MILLIS = 50;
    static final long BULK_POLL_MILLIS = 250;

    interface Check {
        boolean done() throws Exception;
    }

    static boolean await(Check check, Duration timeout) throws Exception {
        return await(check, timeout, POLL_MILLIS);
    }

    static boolean await(Check check, Duration timeout, long pollMillis) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(pollMillis);
        }
        return true;
    }

    /** Arrival times at the simulator of every {@code POST /keys} since the last reset, ascending. */
    List<Instant> creates() throws Exception {
        return SimulatorControl.creates(simulator.calls());
    }

    /** The calls the simulator answered since the last reset. */
    List<SimCall> calls() throws Exception {
        return simulator.calls();
    }

    /** Calls per second from the first to the last of {@code times}: (n - 1) / span. */
    static double perSecond(List<Instant> times) {
        if (times.size() < 2) {
            return Double.NaN;
        }
        double span =
                Duration.between(times.get(0), times.get(times.size() - 1)).toNanos() / 1e9;
        return span <= 0 ? Double.NaN : (times.size() - 1) / span;
    }

    /** The most of {@code times} (ascending) in any window [t, t + 1 s). */
    static int busiestSecond(List<Instant> times) {
        int best = 0;
        int j = 0;
        for (int i = 0; i < times.size(); i++) {
            Instant end = times.get(i).plusSeconds(1);
            if (j < i) {
                j = i;
            }
            while (j < times.size() && times.get(j).isBefore(end)) {
                j++;
            }
            best = Math.max(best, j - i);
        }
        return best;
    }
}
