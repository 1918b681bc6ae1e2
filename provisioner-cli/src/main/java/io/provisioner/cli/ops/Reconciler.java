package io.provisioner.cli.ops;

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
 * Compares owners, stored keys and the keys on OpenRouter. Read-only; {@link ReconcileFixer} repairs.
 */
public final class Reconciler {

    /**
     * What is out of step.
     *
     * @param ownersWithoutKey owner rows with no active stored key
     * @param orphans keys on OpenRouter named like ours ({@code <owner_type>:<owner_id>}) that are not stored
     * @param duplicates names with more than one key on OpenRouter, and how many
     * @param storedMissing stored active keys that OpenRouter no longer has
     * @param ownerGone stored active keys whose owner row is gone
     */
    public record Report(
            List<OwnerRef> ownersWithoutKey,
            List<ApiKey> orphans,
            Map<String, Long> duplicates,
            List<OwnedKey> storedMissing,
            List<OwnedKey> ownerGone,
            int keysOnOpenRouter,
            int keysStored) {
        public boolean clean() {
            return ownersWithoutKey.isEmpty()
                    && orphans.isEmpty()
                    && duplicates.isEmpty()
                    && storedMissing.isEmpty()
                    && ownerGone.isEmpty();
        }
    }

    private final ProvisioningQueries queries;
    private final KeysApi api;

    public Reconciler(ProvisioningQueries queries, KeysApi api) {
        this.queries = queries;
        this.api = api;
    }

    public Report report(int ownerLimit) {
        List<ApiKey> remote =
                api.listAll().stream().filter(k -> isOurs(k.name())).toList();
        List<OwnedKey> stored = queries.activeKeys();
        Set<String> storedHashes = stored.stream().map(k -> k.key().hash()).collect(Collectors.toSet());
        Set<String> remoteHashes = new HashSet<>();
        remote.forEach(k -> remoteHashes.add(k.hash()));
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
                remote.size(),
                stored.size());
    }

    /** True for names of the form {@code organization:<id>} or {@code teacher:<id>}. */
    public static boolean isOurs(String name) {
        if (name == null) {
            return false;
        }
        int colon = name.indexOf(':');
        return colon > 0 && colon < name.length() - 1 && OwnerRef.TYPES.contains(name.substring(0, colon));
    }

    /** An orphan younger than this may belong to a create whose result is being stored right now. */
    public static boolean oldEnough(ApiKey key, Clock clock, Duration grace) {
        return key.createdAt() == null || key.createdAt().plus(grace).isBefore(clock.instant());
    }
}
