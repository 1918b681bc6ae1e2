package io.provisioner.runtime.sweep;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.OwnedKey;
import io.provisioner.db.ProvisioningQueries;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Compares owners, stored keys and the keys on OpenRouter. Only names with this pipeline's
 * {@code OR_KEY_NAME_PREFIX} ({@link KeyNames}) are considered; the keys of another pipeline sharing the
 * account are not looked at. Read-only; {@link ReconcileFixer} repairs.
 */
public final class Reconciler {

    /**
     * What is out of step.
     *
     * @param ownersWithoutKey owner rows with no active stored key
     * @param orphans keys on OpenRouter named like ours ({@code <prefix><owner_type>:<owner_id>}) that are not stored
     * @param duplicates names with more than one key on OpenRouter, and how many
     * @param storedMissing stored active keys that OpenRouter no longer has
     * @param ownerGone stored active keys whose owner row is gone
     * @param invalidNames keys whose name carries our prefix and an owner type but names no valid owner
     *     (such as {@code organization: }): reported, never touched
     */
    public record Report(
            List<OwnerRef> ownersWithoutKey,
            List<ApiKey> orphans,
            Map<String, Long> duplicates,
            List<OwnedKey> storedMissing,
            List<OwnedKey> ownerGone,
            List<ApiKey> invalidNames,
            int keysOnOpenRouter,
            int keysStored) {
        public boolean clean() {
            return ownersWithoutKey.isEmpty()
                    && orphans.isEmpty()
                    && duplicates.isEmpty()
                    && storedMissing.isEmpty()
                    && ownerGone.isEmpty()
                    && invalidNames.isEmpty();
        }
    }

    private final ProvisioningQueries queries;
    private final KeysApi api;
    private final KeyNames names;

    public Reconciler(ProvisioningQueries queries, KeysApi api, KeyNames names) {
        this.queries = queries;
        this.api = api;
        this.names = names;
    }

    public Report report(int ownerLimit) {
        return report(ownerLimit, api.listAll());
    }

    /** The report over {@code all}, every key of the account as listed a moment ago. */
    public Report report(int ownerLimit, List<ApiKey> all) {
        List<ApiKey> ours = all.stream().filter(k -> names.looksOurs(k.name())).toList();
        List<ApiKey> remote =
                ours.stream().filter(k -> names.ownerOf(k.name()).isPresent()).toList();
        List<OwnedKey> stored = queries.activeKeys();
        Set<String> storedHashes = stored.stream().map(k -> k.key().hash()).collect(Collectors.toSet());
        // a stored key is lost only when no key of the account has its hash, whatever its name now
        Set<String> remoteHashes = new HashSet<>();
        all.forEach(k -> remoteHashes.add(k.hash()));
        Map<String, Long> perName =
                remote.stream().collect(Collectors.groupingBy(ApiKey::name, TreeMap::new, Collectors.counting()));
        perName.values().removeIf(n -> n < 2);
        return new Report(
                queries.ownersWithoutActiveKey(ownerLimit),
                remote.stream().filter(k -> !storedHashes.contains(k.hash())).toList(),
                perName,
                stored.stream()
                        .filter(k -> !remoteHashes.contains(k.key().hash()))
                        .toList(),
                queries.activeKeysWithoutOwner(),
                ours.stream().filter(k -> names.ownerOf(k.name()).isEmpty()).toList(),
                remote.size(),
                stored.size());
    }

    /** An orphan younger than this may belong to a create whose result is being stored right now. */
    public static boolean oldEnough(ApiKey key, Clock clock, Duration grace) {
        return key.createdAt() == null || key.createdAt().plus(grace).isBefore(clock.instant());
    }
}
