package io.provisioner.runtime.sweep;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyListing;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.IntentFence;
import io.provisioner.db.OwnedKey;
import io.provisioner.db.ProvisioningQueries;
import io.provisioner.db.SweepPasses;
import io.provisioner.db.SweepPasses.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic part of {@code reconcile --fix}: deletes keys named like ours that no owner stores, once
 * older than {@code PROVISIONER_ORPHAN_GRACE} and while no create is in flight for their owner (a create
 * that took effect after its client gave up, a key a listing missed), and revokes stored keys that
 * OpenRouter no longer has, requesting their owners again. Every call goes through a {@link
 * RateLimitedKeysApi} on the pipeline's bucket.
 *
 * <p>Two kinds of pass, each recorded in {@link SweepPasses} when it completes (shared by every instance,
 * kept across restarts). An {@linkplain #incremental incremental} pass, every sweep interval, lists the
 * keys newest first only down to the start of the last completed pass minus the orphan grace and a clock
 * skew margin, so it costs one page plus a page per 90 keys created since: an orphan skipped as too young
 * last time is listed again, and a stored key created in that window that is not listed was lost. A
 * {@linkplain #fullIfDue full} pass, every {@link #FULL_PASS_EVERY}, lists the whole account: it alone
 * finds older stored keys that OpenRouter lost (revoked elsewhere) and orphans older than the window.
 * Both settle the creates whose outcome stayed unknown past the grace ({@link UnknownCreates}) within
 * what they listed, so that no stream thread has to list the keys created since a long-past attempt.
 * An incremental and a full pass may run at the same time, on two threads (each fix re-checks before it
 * acts); each kind of pass one at a time.
 */
public final class OrphanSweep {

    /** How often a full pass lists every key of the account. */
    public static final Duration FULL_PASS_EVERY = Duration.ofDays(1);

    /**
     * What a pass did.
     *
     * @param listedSince the oldest creation time the pass had to list, null for a full pass
     * @param keysListed keys read from OpenRouter (any name)
     * @param unknownCreatesSettled intents of creates whose outcome stayed unknown that it settled
     */
    public record Pass(
            Kind kind, Instant listedSince, int keysListed, ReconcileFixer.Fixed fixed, int unknownCreatesSettled) {}

    private static final Logger LOG = LoggerFactory.getLogger(OrphanSweep.class);

    private final KeysApi api;
    private final ProvisioningQueries queries;
    private final SweepPasses passes;
    private final KeyNames names;
    private final Clock clock;
    private final Duration grace;
    private final Reconciler reconciler;
    private final UnknownCreates unknownCreates;
    private final RequestPublisher incrementalPublisher;
    private final RequestPublisher fullPublisher;
    private final ReconcileFixer incrementalFixer;
    private final ReconcileFixer fullFixer;

    public OrphanSweep(
            KeysApi api,
            ProvisioningQueries queries,
            SweepPasses passes,
            IntentFence fence,
            KeyNames names,
            Supplier<RequestPublisher> publishers,
            Clock clock,
            Duration grace) {
        this.api = api;
        this.queries = queries;
        this.passes = passes;
        this.names = names;
        this.clock = clock;
        this.grace = grace;
        this.reconciler = new Reconciler(queries, api, names);
        this.unknownCreates = new UnknownCreates(api, fence, names, grace);
        // the two kinds of pass may run at once: each has a publisher of its own
        this.incrementalPublisher = publishers.get();
        this.fullPublisher = publishers.get();
        this.incrementalFixer = new ReconcileFixer(api, queries, names, incrementalPublisher, clock, grace);
        this.fullFixer = new ReconcileFixer(api, queries, names, fullPublisher, clock, grace);
    }

    /** One incremental pass: lists the keys created since the last completed pass, fixes what it finds. */
    public Pass incremental() throws Exception {
        Instant start = clock.instant();
        Instant last = latest(passes.lastStarted(Kind.INCREMENTAL), passes.lastStarted(Kind.FULL))
                .orElse(start);
        Instant since = last.minus(grace).minus(KeyListing.CLOCK_SKEW_MARGIN);
        List<ApiKey> listed = KeyListing.createdSince(offset -> api.list(offset, true), since);
        ReconcileFixer.Fixed fixed = incrementalFixer.fix(window(listed, since), false);
        int settled = unknownCreates.settle(listed, since, start, incrementalPublisher);
        passes.completed(Kind.INCREMENTAL, start, clock.instant());
        LOG.debug("incremental orphan pass listed {} key(s) created since {}", listed.size(), since);
        return new Pass(Kind.INCREMENTAL, since, listed.size(), fixed, settled);
    }

    /** A full pass when none completed within {@link #FULL_PASS_EVERY}; empty (no call made) otherwise. */
    public Optional<Pass> fullIfDue() throws Exception {
        Instant start = clock.instant();
        Optional<Instant> last = passes.lastStarted(Kind.FULL);
        if (last.isPresent() && last.get().plus(FULL_PASS_EVERY).isAfter(start)) {
            return Optional.empty();
        }
        List<ApiKey> all = api.listAll();
        ReconcileFixer.Fixed fixed = fullFixer.fix(reconciler.report(0, all), false);
        int settled = unknownCreates.settle(all, null, start, fullPublisher);
        passes.completed(Kind.FULL, start, clock.instant());
        LOG.info(
                "full orphan pass: {} key(s) listed, {} orphan(s) deleted, {} lost key(s) revoked",
                all.size(),
                fixed.orphansDeleted(),
                fixed.lostRevoked());
        return Optional.of(new Pass(Kind.FULL, null, all.size(), fixed, settled));
    }

    /**
     * The orphans among {@code listed}, and the stored keys created since {@code since} that it lacks: the
     * listing holds every key created since then that exists, so such a stored key was lost.
     */
    private Reconciler.Report window(List<ApiKey> listed, Instant since) {
        List<ApiKey> ours =
                listed.stream().filter(k -> names.ownerOf(k.name()).isPresent()).toList();
        Set<String> stored =
                queries.activeHashesAmong(ours.stream().map(ApiKey::hash).toList());
        Set<String> listedHashes = listed.stream().map(ApiKey::hash).collect(Collectors.toSet());
        List<OwnedKey> lost = queries.activeKeysCreatedSince(since).stream()
                .filter(k -> !listedHashes.contains(k.key().hash()))
                .toList();
        return new Reconciler.Report(
                List.of(),
                ours.stream().filter(k -> !stored.contains(k.hash())).toList(),
                Map.of(),
                lost,
                List.of(),
                List.of(),
                ours.size(),
                stored.size());
    }

    private static Optional<Instant> latest(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isPresent() && b.get().isAfter(a.get()) ? b : a;
    }
}
