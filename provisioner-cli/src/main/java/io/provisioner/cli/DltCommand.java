package io.provisioner.cli;

import io.provisioner.cli.ops.DltReader;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.topics.RetryHeaders;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (limit < 1) {
                throw new UsageException("--limit must be at least 1, was " + limit);
            }
            ProvisionerConfig config = options.load();
            PrintWriter out = spec.commandLine().getOut();
            try (KafkaConsumer<byte[], byte[]> c = KafkaClients.reader(config)) {
                List<ConsumerRecord<byte[], byte[]>> records =
                        new DltReader(c).last(config.topics().dlt().name(), limit);
                out.printf("%-24s %-45s %7s %-22s %s%n", "TIME", "KEY", "ATTEMPT", "ERROR", "MESSAGE");
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    out.printf(
                            "%-24s %-45s %7s %-22s %s%n",
                            Instant.ofEpochMilli(r.timestamp()),
                            r.key() == null ? "(none)" : new String(r.key(), StandardCharsets.UTF_8),
                            RetryHeaders.string(r.headers(), RetryHeaders.ATTEMPT)
                                    .orElse("-"),
                            RetryHeaders.string(r.headers(), RetryHeaders.ERROR_CLASS)
                                    .orElse("-"),
                            RetryHeaders.string(r.headers(), RetryHeaders.ERROR_MESSAGE)
                                    .orElse("-"));
                }
                out.printf("%d dead letter(s) shown%n", records.size());
                out.flush();
            }
            return ProvisionerCli.OK;
        }
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
            try (KafkaConsumer<byte[], byte[]> c = KafkaClients.reader(config);
                    KafkaProducer<byte[], byte[]> p = KafkaClients.producer(config, new ByteArraySerializer())) {
                new DltReader(c).readAll(config.topics().dlt().name(), 0, r -> {
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
