package io.provisioner.dev.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The edge function this pipeline replaces, simulated: a cron every minute takes the 5 oldest waiting
 * jobs and runs them 1.1 s apart (job {@code j} of a run finishes {@code j × 1.1 s} after the tick), so at
 * most 5 keys a minute, never two in one second.
 */
final class SeedSchedule {
    static final int JOBS_PER_RUN = 5;
    static final double CRON_PERIOD_S = 60;
    static final double JOB_SPACING_S = 1.1;
    /** Keys per second the seed makes while it has work: 5 a minute. */
    static final double RATE = JOBS_PER_RUN / CRON_PERIOD_S;
    /** Creates in its busiest one-second window: jobs are 1.1 s apart. */
    static final double BUSIEST_SECOND = 1;

    private SeedSchedule() {}

    /**
     * Latencies (s) of rows arriving at {@code arrivals} (s, ascending), pooled over the 60 cron phases
     * 0, 1, ..., 59 s: a small simulation of the seed on the same workload.
     */
    static double[] latencies(double[] arrivals) {
        List<Double> out = new ArrayList<>();
        for (int phase = 0; phase < CRON_PERIOD_S; phase++) {
            Deque<Double> waiting = new ArrayDeque<>();
            int next = 0;
            for (double tick = phase; next < arrivals.length || !waiting.isEmpty(); tick += CRON_PERIOD_S) {
                while (next < arrivals.length && arrivals[next] <= tick) {
                    waiting.add(arrivals[next++]);
                }
                for (int j = 0; j < JOBS_PER_RUN && !waiting.isEmpty(); j++) {
                    out.add(tick + j * JOB_SPACING_S - waiting.poll());
                }
            }
        }
        double[] all = out.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(all);
        return all;
    }

    /** The {@code p}-quantile (0..1) of sorted values, nearest rank. */
    static double quantile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
