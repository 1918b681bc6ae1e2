package io.provisioner.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.cli.ops.KeyRotator;
import io.provisioner.cli.ops.KeyRotator.Leftovers;
import io.provisioner.cli.ops.KeyRotator.Outcome;
import io.provisioner.cli.ops.KeyRotator.Result;
import io.provisioner.core.config.Durations;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.ProvisionerConfig.RateLimiterKind;
import io.provisioner.core.config.Settings;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.Database;
import io.provisioner.db.KeyRotations;
import io.provisioner.db.KeyRotations.ActiveKey;
import io.provisioner.db.KeyRotations.PendingDelete;
import io.provisioner.db.ratelimit.RateLimiters;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.runtime.sweep.RateLimitedKeysApi;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner rotate-keys (--owner TYPE:ID | --older-than D) [--dry-run]}: gives owners a new key,
 * revoking the old one only after the new one is stored ({@link KeyRotator}). First deletes the old keys
 * an interrupted run left. Exit code 0 when every owner was rotated (or skipped because the pipeline
 * changed its key meanwhile), 1 when some rotation or old key's delete failed (run it again), 2 for a
 * bad option or {@code OR_RATE_LIMITER=local} (its share of the rate must come from the bucket the pipeline
 * shares).
 */
@Command(
        name = "rotate-keys",
        mixinStandardHelpOptions = true,
        description = "Give owners a new OpenRouter key; the old one is revoked only after the new one is stored.")
final class RotateKeysCommand implements Callable<Integer> {

    /** Part of the configured rate that rotate-keys may take; the pipeline keeps the rest. */
    static final double SHARE = 0.5;

    @Mixin
    ConfigOptions options;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--owner", paramLabel = "TYPE:ID", description = "the key of one owner")
        String owner;

        @Option(
                names = "--older-than",
                paramLabel = "D",
                description = "every active key created more than D ago (" + Durations.EXAMPLES + ")")
        String olderThan;
    }

    @Option(names = "--dry-run", description = "list what would be rotated, change nothing")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OwnerRef owner = owner();
        Duration age = which.olderThan == null ? null : Durations.parse("--older-than", which.olderThan);
        ProvisionerConfig config = options.load();
        if (config.throttle().limiter() == RateLimiterKind.LOCAL) {
            // a bucket of its own would come on top of every pipeline process's full rate
            String setting = Settings.OR_RATE_LIMITER.env();
            throw new UsageException(
                    "rotate-keys takes its share of the rate from the bucket the pipeline shares; with "
                            + setting
                            + "=local it would get a bucket of its own on top of every pipeline process's full"
                            + " rate. Set " + setting + "=postgres (for the pipeline too)");
        }
        PrintWriter out = spec.commandLine().getOut();
        Clock clock = Clock.systemUTC();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "rotate-keys", 2);
                OpenRouterClient client = OpenRouterClient.create(config.openRouter(), clock)) {
            KeyRotations rotations = new KeyRotations(
                    ds,
                    config.cdc().schema(),
                    config.requireCipher(),
                    config.cdc().ownerTables(),
                    clock);
            KeysApi api = new RateLimitedKeysApi(
                    client,
                    RateLimiters.configured(config, ds, clock),
                    config.throttle().ratePerSecond(),
                    SHARE);
            KeyRotator rotator = new KeyRotator(api, rotations, config.keyNames(), config.limits()::desired);
            boolean fine = true;
            if (dryRun) {
                List<PendingDelete> pending = rotator.pendingDeletes();
                pending.forEach(p -> out.printf("%-48s %-16s %s%n", p.owner().key(), "would_delete", p.hash()));
            } else {
                Leftovers left = rotator.finishPendingDeletes();
                if (left.deleted() + left.failed() > 0) {
                    out.printf(
                            "old keys of earlier rotations: %d deleted, %d still failing%n",
                            left.deleted(), left.failed());
                }
                fine = left.failed() == 0;
            }
            List<ActiveKey> keys = owner != null
                    ? rotations.of(owner).map(List::of).orElse(List.of())
                    : rotations.olderThan(clock.instant().minus(age));
            if (owner != null && keys.isEmpty()) {
                out.printf("%s has no active key: nothing to rotate%n", owner.key());
            }
            List<Result> results = rotator.run(keys, dryRun, r -> print(out, r));
            summary(out, results);
            out.flush();
            fine &= results.stream().allMatch(r -> r.outcome().fine());
            return fine ? ProvisionerCli.OK : ProvisionerCli.FAILURE;
        }
    }

    private OwnerRef owner() {
        if (which.owner == null) {
            return null;
        }
        try {
            return OwnerRef.parseKey(which.owner);
        } catch (RuntimeException e) {
            throw new UsageException("--owner must be TYPE:ID (organization:<id> or teacher:<id>): " + e.getMessage());
        }
    }

    private static void print(PrintWriter out, Result r) {
        out.printf(
                "%-48s %-16s %s%s  %s%n",
                r.owner(),
                r.outcome().wire(),
                r.oldHash(),
                r.newHash() == null ? "" : " -> " + r.newHash(),
                r.detail());
        out.flush();
    }

    private void summary(PrintWriter out, List<Result> results) {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        results.forEach(r -> counts.merge(r.outcome(), 1, Integer::sum));
        out.println(dryRun ? "dry run, nothing changed:" : "summary:");
        counts.forEach((outcome, n) -> out.printf("  %-16s %6d%n", outcome.wire(), n));
        out.printf("  %-16s %6d%n", "owners", results.size());
    }
}
