package io.provisioner.cli;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.runtime.GrouplessConsumer;
import io.provisioner.runtime.sweep.DeadLetter;
import io.provisioner.runtime.sweep.DltReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code provisioner dlt list} and {@code provisioner dlt replay}. */
@Command(
        name = "dlt",
        mixinStandardHelpOptions = true,
        description = "Inspect and re-drive dead letters.",
        subcommands = {DltCommand.ListDlt.class, DltCommand.ReplayDlt.class})
final class DltCommand {

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "The latest dead letters with their reasons.")
    static final class ListDlt implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--limit", defaultValue = "20", description = "how many (default ${DEFAULT-VALUE})")
        int limit;

        @Option(names = "--json", description = "print one JSON list of dead letters")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (limit < 1) {
                throw new UsageException("--limit must be at least 1, was " + limit);
            }
            ProvisionerConfig config = options.load();
            PrintWriter out = spec.commandLine().getOut();
            try (KafkaConsumer<byte[], byte[]> c = GrouplessConsumer.open(config)) {
                List<DeadLetter> records = new DltReader(c)
                        .last(config.topics().dlt().name(), limit).stream()
                                .map(DeadLetter::of)
                                .toList();
                if (json) {
                    out.println(Json.MAPPER.writeValueAsString(records));
                } else {
                    table(out, records);
                }
                out.flush();
            }
            return ProvisionerCli.OK;
        }
    }

    static void table(PrintWriter out, List<DeadLetter> records) {
        String fmt = "%-24s %-45s %7s %-24s %-22s %s%n";
        out.printf(fmt, "DEAD_AT", "OWNER", "ATTEMPT", "FIRST_FAILURE_AT", "ERROR", "MESSAGE");
        for (DeadLetter d : records) {
            out.printf(
                    fmt,
                    d.deadAt(),
                    d.owner() == null ? "(none)" : d.owner(),
                    d.attempts() == null ? "-" : d.attempts(),
                    d.firstFailureAt() == null ? "-" : d.firstFailureAt(),
                    d.errorClass() == null ? "-" : d.errorClass(),
                    d.errorMessage() == null ? "-" : d.errorMessage());
        }
        out.printf("%d dead letter(s) shown%n", records.size());
    }

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = "Send dead letters back to <prefix>.requests as fresh requests (attempts start again).")
    static final class ReplayDlt implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        static final class Which {
            @Option(names = "--all", description = "every dead letter")
            boolean all;

            @Option(names = "--owner", paramLabel = "TYPE:ID", description = "the dead letters of one owner")
            String owner;
        }

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (which.owner != null) {
                try {
                    OwnerRef.parseKey(which.owner);
                } catch (RuntimeException e) {
                    throw new UsageException(
                            "--owner must be TYPE:ID (organization:<id> or teacher:<id>): " + e.getMessage());
                }
            }
            ProvisionerConfig config = options.load();
            String requests = config.topics().requestsRaw().name();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> c = GrouplessConsumer.open(config);
                    KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(
                            KafkaClientSettings.of(config).idempotentProducer().build(),
                            new ByteArraySerializer(),
                            new ByteArraySerializer())) {
                ProgressDisplay progress =
                        ProgressDisplay.open(spec.commandLine().getErr(), "dead letters read", 0);
                long[] read = {0};
                new DltReader(c).readAll(config.topics().dlt().name(), 0, r -> {
                    progress.update(++read[0], 0, sent.size() + " sent back");
                    String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                    if (which.all || which.owner.equals(key)) {
                        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(requests, r.key(), r.value());
                        for (Header h : r.headers()) {
                            if (!h.key().startsWith("provisioning-")) {
                                out.headers().add(h);
                            }
                        }
                        sent.add(p.send(out));
                    }
                });
                progress.close();
                p.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
            }
            spec.commandLine().getOut().printf("%d dead letter(s) sent back to %s%n", sent.size(), requests);
            spec.commandLine().getOut().flush();
            return ProvisionerCli.OK;
        }
    }
}
