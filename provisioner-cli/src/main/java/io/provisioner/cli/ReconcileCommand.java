package io.provisioner.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.Durations;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.Database;
import io.provisioner.db.OwnedKey;
import io.provisioner.db.ProvisioningQueries;
import io.provisioner.db.ratelimit.RateLimiters;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.runtime.sweep.RateLimitedKeysApi;
import io.provisioner.runtime.sweep.ReconcileFixer;
import io.provisioner.runtime.sweep.Reconciler;
import io.provisioner.runtime.sweep.RequestPublisher;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner reconcile [--fix] [--json]}: owners without keys, orphans and duplicates on
 * OpenRouter, stored keys OpenRouter lost, keys of deleted owners. Exit code 0 when everything is in
 * step (or was fixed), 1 when something is out of step and {@code --fix} was not given.
 */
@Command(
        name = "reconcile",
        mixinStandardHelpOptions = true,
        description = "Compare owners, stored keys and the keys on OpenRouter; --fix repairs.")
final class ReconcileCommand implements Callable<Integer> {

    /** Part of the configured rate that reconcile's calls may take; the pipeline keeps the rest. */
    static final double SHARE = 0.1;

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--fix",
            description = "delete orphans older than --grace; request every other owner that is out of step")
    boolean fix;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Option(
            names = "--grace",
            defaultValue = "10m",
            description =
                    "leave orphans younger than this alone: their create may be finishing (default ${DEFAULT-VALUE})")
    String grace;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration minOrphanAge = minOrphanAge(); // a malformed --grace fails before anything is read or connected
        ProvisionerConfig config = options.load();
        PrintWriter out = spec.commandLine().getOut();
        String schema = config.cdc().schema();
        ProgressDisplay listing = ProgressDisplay.open(spec.commandLine().getErr(), "OpenRouter calls", 0);
        AtomicLong calls = new AtomicLong();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "reconcile", 2);
                OpenRouterClient client = OpenRouterClient.create(
                        config.openRouter(),
                        (op, status, took) -> listing.update(calls.incrementAndGet(), 0, op),
                        Clock.systemUTC())) {
            ProvisioningQueries queries =
                    new ProvisioningQueries(ds, schema, config.cdc().ownerTables(), Clock.systemUTC());
            // the pipeline's own bucket: reconcile never pushes the account over the configured rate
            KeysApi api = new RateLimitedKeysApi(
                    client,
                    RateLimiters.configured(config, ds, Clock.systemUTC()),
                    config.throttle().ratePerSecond(),
                    SHARE);
            Reconciler.Report report = new Reconciler(queries, api, config.keyNames()).report(100_000);
            listing.close();
            if (json) {
                out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(report)));
            } else {
                printTable(out, report);
            }
            if (fix && !report.clean()) {
                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        KafkaClientSettings.of(config).idempotentProducer().build(),
                        new StringSerializer(),
                        new ByteArraySerializer())) {
                    RequestPublisher publisher = new RequestPublisher(
                            producer, config.topics().requestsRaw().name(), Clock.systemUTC(), "reconcile");
                    ReconcileFixer.Fixed fixed = new ReconcileFixer(
                                    api, queries, config.keyNames(), publisher, Clock.systemUTC(), minOrphanAge)
                            .fix(report, true);
                    out.printf(
                            "fixed: %d orphan(s) deleted, %d left for now (younger than %s or create in flight), %d lost key(s) revoked, %d owner(s) requested, %d key(s) with a name of no valid owner left alone%n",
                            fixed.orphansDeleted(),
                            fixed.orphansSkipped(),
                            grace,
                            fixed.lostRevoked(),
                            fixed.requested(),
                            report.invalidNames().size());
                }
            }
            out.flush();
            return report.clean() || fix ? ProvisionerCli.OK : ProvisionerCli.FAILURE;
        }
    }

    /** {@code --grace}, read as every duration is. */
    Duration minOrphanAge() {
        return Durations.parse("--grace", grace);
    }

    private static void printTable(PrintWriter out, Reconciler.Report r) {
        out.printf("%-36s %8s%n", "CHECK", "COUNT");
        out.printf("%-36s %8d%n", "keys on OpenRouter (our names)", r.keysOnOpenRouter());
        out.printf("%-36s %8d%n", "keys stored (active)", r.keysStored());
        out.printf("%-36s %8d%n", "owners without a key", r.ownersWithoutKey().size());
        out.printf(
                "%-36s %8d%n", "orphans on OpenRouter (not stored)", r.orphans().size());
        out.printf("%-36s %8d%n", "owners with duplicate keys", r.duplicates().size());
        out.printf(
                "%-36s %8d%n",
                "stored keys missing on OpenRouter", r.storedMissing().size());
        out.printf("%-36s %8d%n", "stored keys of deleted owners", r.ownerGone().size());
        out.printf("%-36s %8d%n", "names of no valid owner", r.invalidNames().size());
        section(
                out,
                "owners without a key",
                r.ownersWithoutKey().stream().map(OwnerRef::key).toList());
        section(
                out,
                "orphans",
                r.orphans().stream()
                        .map(k -> k.name() + "  hash " + k.hash() + "  created " + k.createdAt())
                        .toList());
        section(
                out,
                "duplicates",
                r.duplicates().entrySet().stream()
                        .map(e -> e.getKey() + "  " + e.getValue() + " keys")
                        .toList());
        section(
                out,
                "stored keys missing on OpenRouter",
                r.storedMissing().stream()
                        .map(k -> k.owner().key() + "  hash " + k.key().hash())
                        .toList());
        section(
                out,
                "stored keys of deleted owners",
                r.ownerGone().stream()
                        .map(k -> k.owner().key() + "  hash " + k.key().hash())
                        .toList());
        section(
                out,
                "names of no valid owner (left alone; delete them by hand)",
                r.invalidNames().stream()
                        .map(k -> "'" + k.name() + "'  hash " + k.hash())
                        .toList());
        out.println(r.clean() ? "in step" : "out of step");
    }

    private static void section(PrintWriter out, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        out.println();
        out.println(title + ":");
        lines.stream().limit(50).forEach(l -> out.println("  " + l));
        if (lines.size() > 50) {
            out.println("  ... and " + (lines.size() - 50) + " more (use --json for all)");
        }
    }

    private static ObjectNode toJson(Reconciler.Report r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("in_step", r.clean());
        n.put("keys_on_openrouter", r.keysOnOpenRouter());
        n.put("keys_stored", r.keysStored());
        r.ownersWithoutKey().forEach(o -> n.withArray("owners_without_key").add(o.key()));
        for (ApiKey k : r.orphans()) {
            n.withArray("orphans")
                    .addObject()
                    .put("name", k.name())
                    .put("hash", k.hash())
                    .put("created_at", String.valueOf(k.createdAt()));
        }
        r.duplicates()
                .forEach((name, count) ->
                        n.withArray("duplicates").addObject().put("name", name).put("keys", count));
        for (OwnedKey k : r.storedMissing()) {
            n.withArray("stored_missing_on_openrouter")
                    .addObject()
                    .put("owner", k.owner().key())
                    .put("hash", k.key().hash());
        }
        for (OwnedKey k : r.ownerGone()) {
            n.withArray("stored_of_deleted_owners")
                    .addObject()
                    .put("owner", k.owner().key())
                    .put("hash", k.key().hash());
        }
        for (ApiKey k : r.invalidNames()) {
            n.withArray("invalid_names").addObject().put("name", k.name()).put("hash", k.hash());
        }
        return n;
    }
}
