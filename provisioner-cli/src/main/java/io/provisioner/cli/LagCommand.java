package io.provisioner.cli;

import io.provisioner.cli.ops.GroupLag;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.topics.TopicSpec;
import io.provisioner.core.topics.Topics;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code provisioner lag}: per group, topic and partition: committed, end, lag, lag in seconds. */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        description = "Consumer lag of provisioner-stream and retry-scheduler per partition.")
final class LagCommand implements Callable<Integer> {

    static final String STREAM_GROUP = "provisioner-stream";
    static final String RETRY_GROUP = "retry-scheduler";

    @Mixin
    ConfigOptions options;

    @Option(names = "--watch", description = "refresh every 2 seconds until interrupted")
    boolean watch;

    /** The groups when they are not the contract's (tests and side-by-side pipelines); repeatable. */
    @Option(names = "--group", hidden = true)
    List<String> groups;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ProvisionerConfig config = options.load();
        Topics topics = config.topics();
        Set<String> names = topics.all().stream().map(TopicSpec::name).collect(Collectors.toSet());
        PrintWriter out = spec.commandLine().getOut();
        try (Admin admin = KafkaClients.admin(config);
                KafkaConsumer<byte[], byte[]> peeker = KafkaClients.reader(config)) {
            GroupLag lag = new GroupLag(admin, peeker, Clock.systemUTC());
            do {
                List<GroupLag.Row> rows = lag.rows(groups == null ? List.of(STREAM_GROUP, RETRY_GROUP) : groups, names);
                print(out, rows);
                if (watch) {
                    Thread.sleep(2000);
                    out.println();
                }
            } while (watch);
        }
        return ProvisionerCli.OK;
    }

    static void print(PrintWriter out, List<GroupLag.Row> rows) {
        String fmt = "%-20s %-40s %9s %12s %12s %10s %10s%n";
        out.printf(fmt, "GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "LAG_S");
        for (GroupLag.Row r : rows) {
            out.printf(
                    fmt,
                    r.group(),
                    r.topic(),
                    r.partition(),
                    r.committed(),
                    r.end(),
                    r.lag(),
                    r.lagSeconds() < 0 ? "0" : String.format(java.util.Locale.ROOT, "%.1f", r.lagSeconds()));
        }
        if (rows.isEmpty()) {
            out.println("(no committed offsets yet: the groups have not consumed anything)");
        }
        out.flush();
    }
}
