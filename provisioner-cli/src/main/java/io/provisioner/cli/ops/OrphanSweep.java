package io.provisioner.cli.ops;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.ProvisioningQueries;
import java.time.Clock;
import java.time.Duration;

/**
 * The automatic part of {@code reconcile --fix}, run by the {@link Sweeper}: deletes keys named like
 * ours that no owner stores, once older than {@code PROVISIONER_ORPHAN_GRACE} and while no create is in
 * flight for their owner (a create that took effect after its client gave up, a key a listing missed),
 * and revokes stored keys that OpenRouter no longer has, requesting their owners again. Every call goes
 * through a {@link RateLimitedKeysApi} on the pipeline's bucket. Not thread-safe.
 */
public final class OrphanSweep {

    private final Reconciler reconciler;
    private final ReconcileFixer fixer;

    public OrphanSweep(
            KeysApi api,
            ProvisioningQueries queries,
            KeyNames names,
            RequestPublisher publisher,
            Clock clock,
            Duration grace) {
        this.reconciler = new Reconciler(queries, api, names);
        this.fixer = new ReconcileFixer(api, queries, names, publisher, clock, grace);
    }

    /** One pass: lists every key once, deletes the orphans, revokes lost keys. */
    public ReconcileFixer.Fixed run() throws Exception {
        return fixer.fix(reconciler.report(0), false);
    }
}
