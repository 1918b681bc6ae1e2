package io.provisioner.runtime.sweep;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.db.OwnedKey;
import io.provisioner.db.ProvisioningQueries;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Repairs a {@link Reconciler.Report}: deletes orphan keys on OpenRouter (only those older than a grace
 * period whose owner has no create in flight), revokes stored keys OpenRouter no longer has, and asks
 * the provisioner to converge every other owner (missing keys, revoked lost keys, keys of deleted
 * owners) through {@code <prefix>.requests}, so that all writes to an owner's key still go through its
 * one partition. Keys whose name names no valid owner are left alone (the report lists them). Used by
 * {@code reconcile --fix} and by the periodic sweep. Not thread-safe.
 */
public final class ReconcileFixer {

    /** What {@link #fix} did. */
    public record Fixed(int orphansDeleted, int orphansSkipped, int lostRevoked, int requested) {}

    private final KeysApi api;
    private final ProvisioningQueries queries;
    private final KeyNames names;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration grace;

    public ReconcileFixer(
            KeysApi api,
            ProvisioningQueries queries,
            KeyNames names,
            RequestPublisher publisher,
            Clock clock,
            Duration grace) {
        this.api = api;
        this.queries = queries;
        this.names = names;
        this.publisher = publisher;
        this.clock = clock;
        this.grace = grace;
    }

    /** Deletes orphans and revokes lost keys; with {@code requestAll}, also requests the owners without key and of deleted rows. */
    public Fixed fix(Reconciler.Report report, boolean requestAll) throws Exception {
        int deleted = 0;
        int skipped = 0;
        for (ApiKey orphan : report.orphans()) {
            Optional<OwnerRef> owner = names.ownerOf(orphan.name());
            if (owner.isEmpty() || !deletable(owner.get(), orphan)) {
                skipped++;
                continue;
            }
            // a DELETE OpenRouter carried out but answered 5xx must not stop the repair of the others
            api.deleteSettled(orphan.hash());
            deleted++;
        }
        int revoked = 0;
        for (OwnedKey lost : report.storedMissing()) {
            if (api.get(lost.key().hash()).isPresent()) {
                continue; // created after the listing was taken: not lost
            }
            queries.revokeKey(lost.owner(), lost.key().hash());
            publisher.send(lost.owner(), ProvisionRequest.Op.UPSERT);
            revoked++;
        }
        if (requestAll) {
            report.ownersWithoutKey().forEach(o -> publisher.send(o, ProvisionRequest.Op.UPSERT));
            report.ownerGone().forEach(k -> publisher.send(k.owner(), ProvisionRequest.Op.DELETE));
        }
        return new Fixed(deleted, skipped, revoked, publisher.flush());
    }

    private boolean deletable(OwnerRef owner, ApiKey orphan) {
        if (!Reconciler.oldEnough(orphan, clock, grace)) {
            return false;
        }
        if (queries.job(owner).map(JobState::attemptInFlight).orElse(false)) {
            return false; // that create's own clean-up deletes every key of this name
        }
        // the report was read a moment ago: a create may have been stored since
        return !queries.activeKey(owner).map(StoredKey::hash).orElse("").equals(orphan.hash());
    }
}
