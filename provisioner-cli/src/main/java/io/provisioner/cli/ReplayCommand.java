package io.provisioner.cli;

import io.provisioner.cli.ops.OffsetReset;
import io.provisioner.core.config.Durations;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner replay}: moves provisioner-stream's offsets on {@code <prefix>.requests}. Safe
 * because processing is idempotent: owners that already have a key are left as they are.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Move provisioner-stream's offsets on <prefix>.requests (processing is idempotent).")
final class ReplayCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--from-beginning", description = "every request still in the topic")
        boolean fromBeginning;

        @Option(names = "--to-datetime", paramLabel = "T", description = "ISO-8601, e.g. 2026-01-31T12:00:00Z")
        String toDatetime;

        @Option(names = "--by-duration", paramLabel = "D", description = "back from now, ISO-8601 (PT2H) or 2h, 30m")
        String byDuration;
    }

    @Option(names = "--dry-run", description = "show the new offsets, change nothing")
    boolean dryRun;

    /** The Streams application id when it is not the contract's (tests and side-by-side pipelines). */
    @Option(names = "--group", hidden = true, defaultValue = LagCommand.STREAM_GROUP)
    String group;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ProvisionerConfig config = options.load();
        Instant at = when();
        String topic = config.topics().requests().name();
        PrintWriter out = spec.commandLine().getOut();
        try (Admin admin = Admin.create(KafkaClientSettings.of(config).admin().build())) {
            OffsetReset reset = new OffsetReset(admin);
            reset.requireInactive(group);
            List<OffsetReset.Move> moves = reset.plan(group, topic, at);
            out.printf("%-40s %9s %12s %12s%n", "TOPIC", "PARTITION", "CURRENT", "NEW");
            for (OffsetReset.Move m : moves) {
                out.printf("%-40s %9d %12s %12d%n", topic, m.partition(), m.from() == null ? "-" : m.from(), m.to());
            }
            if (dryRun) {
                out.println("dry run: nothing changed");
            } else {
                reset.apply(group, topic, moves);
                out.println("offsets of " + group + " moved; start the provisioner to replay");
            }
            out.flush();
        }
        return ProvisionerCli.OK;
    }

    /** The time to move back to; null for the beginning. */
    Instant when() {
        if (target.fromBeginning) {
            return null;
        }
        if (target.toDatetime != null) {
            try {
                return OffsetDateTime.parse(target.toDatetime).toInstant();
            } catch (DateTimeParseException e) {
                throw new UsageException("--to-datetime: not an ISO-8601 date-time with offset: " + target.toDatetime);
            }
        }
        return Instant.now().minus(Durations.parse("--by-duration", target.byDuration));
    }
}
