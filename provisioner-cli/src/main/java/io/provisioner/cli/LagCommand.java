package io.provisioner.cli;

import io.provisioner.core.config.Durations;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.retry.RetryScheduler;
import io.provisioner.runtime.GrouplessConsumer;
import io.provisioner.runtime.lag.GroupLag;
import io.provisioner.runtime.lag.LagReading;
import io.provisioner.runtime.lag.LagStatus;
import io.provisioner.runtime.lag.WatchedGroup;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code provisioner lag}: per group, topic and partition: committed, end, lag, lag in seconds; a status per group. */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        description = "Consumer lag of provisioner-stream and retry-scheduler per partition, with a status per group"
                + " (OK, LAGGING, STALLED, STOPPED).")
final class LagCommand implements Callable<Integer> {

    static final String STREAM_GROUP = "provisioner-stream";
    static final String RETRY_GROUP = RetryScheduler.GROUP_ID;
    private static final String CLEAR = "\033[H\033[2J";

    @Mixin
    ConfigOptions options;

    @Option(names = "--watch", description = "redraw every --interval until interrupted")
    boolean watch;

    @Option(names = "--json", description = "print one JSON document: a list of groups with their partitions")
    boolean json;

    @Option(
            names = "--window",
            defaultValue = "5s",
            description = "how long lag and commits are watched before a group with members is judged"
                    + " LAGGING or STALLED (default ${DEFAULT-VALUE})")
    String window;

    @Option(names = "--interval", defaultValue = "2s", description = "with --watch (default ${DEFAULT-VALUE})")
    String interval;

    /** The groups when they are not the contract's (tests and side-by-side pipelines). */
    @Option(
            names = {"--stream-group", "--group"},
            hidden = true,
            defaultValue = STREAM_GROUP)
    String streamGroup;

    @Option(names = "--retry-group", hidden = true, defaultValue = RETRY_GROUP)
    String retryGroup;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration judgeAfter = Durations.positive("--window", window);
        Duration every = Durations.positive("--interval", interval);
        ProvisionerConfig config = options.load();
        List<WatchedGroup> groups = WatchedGroup.of(config.topics(), streamGroup, retryGroup);
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null;
        try (Admin admin = Admin.create(KafkaClientSettings.of(config).admin().build());
                KafkaConsumer<byte[], byte[]> peeker = GrouplessConsumer.open(config)) {
            GroupLag lag = new GroupLag(admin, peeker, Clock.systemUTC());
            LagStatus status = new LagStatus(watch ? Duration.ofMinutes(1) : judgeAfter);
            List<LagReading> readings = read(groups, lag, status);
            if (!watch && readings.stream().anyMatch(r -> r.actionableLag() > 0 && r.members() > 0)) {
                Thread.sleep(judgeAfter.toMillis());
                readings = read(groups, lag, status);
            }
            connector(out, config);
            print(out, readings);
            while (watch) {
                Thread.sleep(every.toMillis());
                readings = read(groups, lag, status);
                out.print(terminal ? CLEAR : System.lineSeparator());
                connector(out, config);
                print(out, readings);
            }
        }
        return ProvisionerCli.OK;
    }

    /** With CDC on Kafka Connect, the connector's state first (text only: --json keeps its list of groups). */
    private void connector(PrintWriter out, ProvisionerConfig config) {
        if (!json) {
            CdcSideLines.connector(config).ifPresent(c -> out.printf("Kafka Connect: %s%n%n", c.summary()));
        }
    }

    private static List<LagReading> read(List<WatchedGroup> groups, GroupLag lag, LagStatus status) throws Exception {
        List<LagReading> out = new ArrayList<>();
        for (WatchedGroup g : groups) {
            out.add(status.judge(g.read(lag)));
        }
        return out;
    }

    private void print(PrintWriter out, List<LagReading> readings) throws Exception {
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(readings));
        } else {
            table(out, readings);
        }
        out.flush();
    }

    static void table(PrintWriter out, List<LagReading> readings) {
        String fmt = "%-20s %-40s %9s %12s %12s %10s %10s%s%n";
        for (LagReading g : readings) {
            out.printf("%s  %s  lag %d  members %d%n", g.group(), g.status(), g.lag(), g.members());
            out.printf(fmt, "GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "LAG_S", "");
            for (LagReading.PartitionLag p : g.partitions()) {
                out.printf(
                        fmt,
                        g.group(),
                        p.topic(),
                        p.partition(),
                        p.committed() == null ? "-" : p.committed(),
                        p.end(),
                        p.lag(),
                        String.format(Locale.ROOT, "%.1f", p.lagSeconds()),
                        p.waiting() ? "  (waiting: not due yet)" : "");
            }
            out.println();
        }
    }
}
