package io.provisioner.runtime.sweep;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyListing;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.IntentFence;
import io.provisioner.db.IntentFence.StaleIntent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles, from an orphan pass's listing, the creates whose outcome stayed unknown for longer than the
 * orphan grace (the provisioner's own clean-up reads at most a few pages in its stream thread, and a
 * dead-lettered owner's intent would otherwise wait for a {@code dlt replay}): takes the intent over,
 * deletes every key of the owner's name that is not its stored key (each delete fenced like the
 * provisioner's), clears the intent and requests the owner again, so that its next attempt creates at
 * once without listing the account. The orphans of an owner with an intent are left to this, never
 * deleted by the {@link ReconcileFixer}. Not thread-safe.
 */
final class UnknownCreates {

    /** Most intents settled by one pass; the next pass takes the rest. */
    static final int BATCH = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(UnknownCreates.class);

    private final KeysApi api;
    private final IntentFence fence;
    private final KeyNames names;
    private final Duration grace;

    UnknownCreates(KeysApi api, IntentFence fence, KeyNames names, Duration grace) {
        this.api = api;
        this.fence = fence;
        this.names = names;
        this.grace = grace;
    }

    /**
     * @param listed every key created at or after {@code since} (null: every key), as read from {@code started}
     * @return how many intents were settled
     */
    int settle(List<ApiKey> listed, Instant since, Instant started, RequestPublisher publisher) throws Exception {
        // an attempt's keys were created after its intent was set: they are listed when the intent is
        // within the window; an intent younger than the grace may still belong to a create under way
        Instant notBefore = since == null ? null : since.plus(KeyListing.CLOCK_SKEW_MARGIN);
        Instant before = started.minus(grace);
        if (notBefore != null && !notBefore.isBefore(before)) {
            return 0;
        }
        Map<String, List<ApiKey>> byName = listed.stream()
                .filter(k -> names.ownerOf(k.name()).isPresent())
                .collect(Collectors.groupingBy(ApiKey::name));
        int settled = 0;
        for (StaleIntent stale : fence.staleIntents(notBefore, before, BATCH)) {
            OwnerRef owner = stale.owner();
            try {
                if (settle(stale, byName.getOrDefault(names.nameOf(owner), List.of()))) {
                    publisher.send(owner, ProvisionRequest.Op.UPSERT);
                    settled++;
                }
            } catch (AttemptSupersededException e) {
                LOG.debug("the provisioner took {} over while the sweep settled it", owner);
            }
        }
        publisher.flush();
        if (settled > 0) {
            LOG.info("settled {} create(s) whose outcome had stayed unknown, and requested their owners", settled);
        }
        return settled;
    }

    /**
     * An intent also marks a revoke, or a kept key not yet read back, whose DELETE may have been carried out,
     * or an update of the stored key whose outcome is unknown: the stored key is read back before the intent
     * (the provisioner's cue to do so) is cleared, and revoked with it when OpenRouter no longer has it, so
     * the owner's next attempt creates a new one; else the limits it holds are recorded with it.
     */
    private boolean settle(StaleIntent stale, List<ApiKey> named) {
        OwnerRef owner = stale.owner();
        Optional<Instant> token = fence.takeOver(owner, stale.token());
        if (token.isEmpty()) {
            return false;
        }
        for (ApiKey key : named) {
            Optional<String> stored = fence.confirm(owner, token.get());
            if (stored.isEmpty() || !stored.get().equals(key.hash())) {
                api.deleteSettled(key.hash());
                LOG.info("deleted key {} named {} left by a create whose outcome was unknown", key.hash(), key.name());
            }
        }
        String stored = fence.confirm(owner, token.get()).orElse(null);
        if (stored == null) {
            return fence.clear(owner, token.get(), null);
        }
        // read now, after the take-over: the pass's listing is older than a late update it would hide
        Optional<ApiKey> live = api.get(stored);
        if (live.isEmpty()) {
            LOG.warn("stored key {} of {} no longer exists on OpenRouter; revoking it", stored, owner);
            return fence.clear(owner, token.get(), stored);
        }
        // the intent may be an update whose outcome is unknown: the row records what the key holds, and the
        // owner's next attempt sets it to its policy when that differs
        return fence.clearReadBack(owner, token.get(), stored, live.get().limits());
    }
}
