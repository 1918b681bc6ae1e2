package io.provisioner.dev.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the resident set of a pipeline's instances once a second (and once more when closed), keeping
 * the largest per kind of instance ({@code cdc,retry}, {@code provisioner}). Instances without a process
 * of their own (one JVM) have none.
 */
final class RssSampler implements AutoCloseable {
    private final List<Deployment.Instance> instances;
    private final Map<String, Long> max = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-rss-sampler");
        t.setDaemon(true);
        return t;
    });

    RssSampler(List<Deployment.Instance> instances) {
        this.instances = List.copyOf(instances);
        timer.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    /** The largest resident set of each kind now, in bytes. */
    static Map<String, Long> now(List<Deployment.Instance> instances) {
        Map<String, Long> out = new ConcurrentHashMap<>();
        for (Deployment.Instance i : instances) {
            i.rss().ifPresent(rss -> out.merge(i.kind(), rss, Math::max));
        }
        return out;
    }

    private void sample() {
        now(instances).forEach((kind, rss) -> max.merge(kind, rss, Math::max));
    }

    /** The largest sample of {@code kind} in MiB; NaN without one. */
    double maxMib(String kind) {
        Long v = max.get(kind);
        return v == null ? Double.NaN : v / (1024.0 * 1024);
    }

    static double mib(Map<String, Long> sample, String kind) {
        Long v = sample.get(kind);
        return v == null ? Double.NaN : v / (1024.0 * 1024);
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdown();
        timer.awaitTermination(5, TimeUnit.SECONDS);
        sample();
    }
}
