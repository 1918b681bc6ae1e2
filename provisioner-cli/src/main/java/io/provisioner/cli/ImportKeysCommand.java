package io.provisioner.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.cli.ops.ImportLookups;
import io.provisioner.cli.ops.ImportOutcome;
import io.provisioner.cli.ops.ImportRow;
import io.provisioner.cli.ops.ImportSource;
import io.provisioner.cli.ops.KeyImporter;
import io.provisioner.cli.ops.KeyImporter.Result;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.db.Database;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.KeyAdoptionQueries;
import io.provisioner.db.ratelimit.RateLimiters;
import io.provisioner.openrouter.OpenRouterClient;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner import-keys --query SQL [--dry-run] [--json]}: adopts keys that exist already (see
 * {@link KeyImporter}). Exit code 0 when every row was imported or skipped, 1 when some could not be
 * adopted, 2 for a query that cannot be run or lacks a column.
 */
@Command(
        name = "import-keys",
        mixinStandardHelpOptions = true,
        description = "Adopt existing OpenRouter keys: rename them to the pipeline's names and store them encrypted.")
final class ImportKeysCommand implements Callable<Integer> {

    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--query",
            required = true,
            description = "SQL run on DATABASE_URL returning owner_type, owner_id, api_key and optionally key_hash")
    String query;

    @Option(names = "--dry-run", description = "find the keys and report, change nothing")
    boolean dryRun;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    private long lastProgress = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        ProvisionerConfig config = options.load();
        PrintWriter out = spec.commandLine().getOut();
        String schema = config.cdc().schema();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "import-keys", 2);
                OpenRouterClient api = OpenRouterClient.create(config.openRouter(), Clock.systemUTC())) {
            KeyAdoptionQueries queries =
                    new KeyAdoptionQueries(ds, schema, config.cdc().ownerTables());
            queries.notReady().ifPresent(problem -> {
                throw new UsageException(problem);
            });
            List<ImportRow> rows = readRows(ds);
            KeyImporter importer = importer(config, ds, schema, api, queries);
            PrintWriter err = spec.commandLine().getErr();
            int[] done = {0};
            List<Result> results = importer.run(rows, r -> progress(err, ++done[0], rows.size()));
            if (json) {
                out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(results)));
            } else {
                printReport(out, results);
            }
            out.flush();
            return results.stream().allMatch(r -> r.outcome().fine()) ? ProvisionerCli.OK : ProvisionerCli.FAILURE;
        }
    }

    private List<ImportRow> readRows(HikariDataSource ds) {
        try {
            return ImportSource.read(ds, query, ImportKeysCommand::queryFailed);
        } catch (ImportSource.BadQueryException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private KeyImporter importer(
            ProvisionerConfig config, HikariDataSource ds, String schema, OpenRouterClient api, KeyAdoptionQueries q) {
        JdbcKeyStore store = new JdbcKeyStore(
                ds, schema, config.requireCipher(), config.cdc().ownerTables(), Clock.systemUTC());
        return new KeyImporter(
                api,
                limiter(config, ds, schema),
                ImportLookups.of(q),
                KeyImporter.Store.of(store),
                config.keyNames(),
                config.limits()::forOwnerType,
                dryRun);
    }

    /**
     * The server's first line, except for a value the query could not convert or store (SQLSTATE class 22,
     * 23): that message quotes the value, which may be a key.
     */
    static UsageException queryFailed(java.sql.SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("22") || state.startsWith("23")) {
            return new UsageException("--query failed on a value (SQLSTATE " + state
                    + "); the server's message is not shown since it quotes the value, which may be a key");
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        int newline = message.indexOf('\n');
        return new UsageException("--query failed: " + (newline < 0 ? message : message.substring(0, newline)));
    }

    /** The same limiter as the pipeline's, so that together they stay under OR_DELAY_MS. */
    static RateLimiter limiter(ProvisionerConfig config, HikariDataSource ds, String schema) {
        double rate = config.throttle().ratePerSecond();
        return config.throttle().limiter() == ProvisionerConfig.RateLimiterKind.LOCAL
                ? RateLimiters.local(
                        rate, RateLimiters.sharedPause(config.retry().maxDelay()))
                : RateLimiters.postgres(
                        ds,
                        schema,
                        rate,
                        RateLimiters.sharedPause(config.retry().maxDelay()),
                        Clock.systemUTC());
    }

    private void progress(PrintWriter err, int done, int total) {
        long now = System.nanoTime();
        if (done == total || now - lastProgress >= PROGRESS_EVERY_NANOS) {
            lastProgress = now;
            err.printf("import-keys: %d/%d rows done%n", done, total);
            err.flush();
        }
    }

    private void printReport(PrintWriter out, List<Result> results) {
        for (Result r : results) {
            if (r.outcome() != ImportOutcome.IMPORTED) {
                out.printf(
                        "row %d  %-48s %-20s %s%n",
                        r.row().row(),
                        r.owner(),
                        r.outcome().wire(),
                        r.detail() + (r.keyHash() == null ? "" : "  hash " + r.keyHash()));
            }
        }
        out.println(dryRun ? "dry run, nothing changed:" : "summary:");
        counts(results).forEach((outcome, n) -> out.printf("  %-20s %6d%n", outcome.wire(), n));
        out.printf("  %-20s %6d%n", "rows", results.size());
    }

    private static Map<ImportOutcome, Integer> counts(List<Result> results) {
        Map<ImportOutcome, Integer> counts = new EnumMap<>(ImportOutcome.class);
        results.forEach(r -> counts.merge(r.outcome(), 1, Integer::sum));
        return counts;
    }

    private ObjectNode toJson(List<Result> results) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("dry_run", dryRun);
        n.put("rows", results.size());
        ObjectNode counts = n.putObject("counts");
        counts(results).forEach((outcome, count) -> counts.put(outcome.wire(), count));
        for (Result r : results) {
            ObjectNode row = n.withArray("results").addObject();
            row.put("row", r.row().row());
            row.put("owner", r.owner());
            row.put("outcome", r.outcome().wire());
            row.put("key_hash", r.keyHash());
            row.put("detail", r.detail());
        }
        return n;
    }
}
