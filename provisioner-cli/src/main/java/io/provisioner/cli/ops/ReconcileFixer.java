package io.provisioner.cli.ops;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.OwnedKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;

/**
 * Repairs a {@link Reconciler.Report}: deletes orphan keys on OpenRouter (only those older than a grace
 * period whose owner has no create in flight), and asks the provisioner to converge every other owner
 * (missing keys, stored keys OpenRouter lost, keys of deleted owners) through {@code <prefix>.requests},
 * so that all writes to an owner's key still go through its one partition.
 */
public final class ReconcileFixer {

    /** What {@link #fix} did. */
    public record Fixed(int orphansDeleted, int orphansSkipped, int requested) {}

    private final KeysApi api;
    private final KeyStore store;
    private final Function<OwnerRef, Optional<JobState>> jobs;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration grace;

    public ReconcileFixer(
            KeysApi api,
            KeyStore store,
            Function<OwnerRef, Optional<JobState>> jobs,
            Producer<String, byte[]> producer,
            String topic,
            Clock clock,
            Duration grace) {
        this.api = api;
        this.store = store;
        this.jobs = jobs;
        this.publisher = new RequestPublisher(producer, topic, clock, "reconcile");
        this.clock = clock;
        this.grace = grace;
    }

    public Fixed fix(Reconciler.Report report) throws Exception {
        int deleted = 0;
        int skipped = 0;
        for (ApiKey orphan : report.orphans()) {
            OwnerRef owner = OwnerRef.parseKey(orphan.name());
            boolean inFlight = jobs.apply(owner).map(JobState::attemptInFlight).orElse(false);
            // the report was read a moment ago: a create may have been stored since
            boolean storedNow = store.load(owner)
                    .activeKey()
                    .map(k -> k.hash().equals(orphan.hash()))
                    .orElse(false);
            if (inFlight || storedNow || !Reconciler.oldEnough(orphan, clock, grace)) {
                skipped++;
                continue;
            }
            api.delete(orphan.hash());
            deleted++;
        }
        for (OwnerRef owner : report.ownersWithoutKey()) {
            publisher.send(owner, ProvisionRequest.Op.UPSERT);
        }
        for (OwnedKey lost : report.storedMissing()) {
            if (api.get(lost.key().hash()).isPresent()) {
                continue; // created after the listing was taken: not lost
            }
            store.markRevoked(lost.owner(), lost.key().hash(), 0);
            publisher.send(lost.owner(), ProvisionRequest.Op.UPSERT);
        }
        for (OwnedKey gone : report.ownerGone()) {
            publisher.send(gone.owner(), ProvisionRequest.Op.DELETE);
        }
        return new Fixed(deleted, skipped, publisher.flush());
    }
}
