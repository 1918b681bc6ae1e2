package io.provisioner.cli.ops;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.config.Secret;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.db.ActiveKeyExistsException;
import io.provisioner.db.KeyAdoptionQueries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Adopts keys that exist already (the edge function's): finds each on OpenRouter by hash, else by its
 * label, renames it to the pipeline's name for the owner with the configured limit, and stores it
 * encrypted as the owner's active key. Owners with a key are skipped, so a second run does nothing new.
 * Every OpenRouter call takes a permit from the shared rate limiter first. Not thread-safe: one run.
 */
public final class KeyImporter {

    /** Stores an adopted key as the owner's active key; throws {@link ActiveKeyExistsException} if it has one. */
    @FunctionalInterface
    public interface Store {
        void save(OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits);
    }

    /** What the database knows; {@code KeyAdoptionQueries} in production. */
    public interface Lookups {
        /** The owner with its row's {@code id::text}; empty when there is no such row. */
        Optional<OwnerRef> canonical(OwnerRef owner);

        /** The hash of the owner's active key, if it has one. */
        Optional<String> activeKeyHash(OwnerRef owner);

        /** Whom a hash is stored for, revoked or not. */
        Optional<OwnerRef> ownerOfHash(String hash);

        static Lookups of(KeyAdoptionQueries q) {
            return new Lookups() {
                @Override
                public Optional<OwnerRef> canonical(OwnerRef owner) {
                    return q.canonical(owner);
                }

                @Override
                public Optional<String> activeKeyHash(OwnerRef owner) {
                    return q.activeKey(owner).map(k -> k.hash());
                }

                @Override
                public Optional<OwnerRef> ownerOfHash(String hash) {
                    return q.ownerOfHash(hash);
                }
            };
        }
    }

    /** What happened to one row; {@code detail} names hashes and reasons, never a secret. */
    public record Result(ImportRow row, String owner, ImportOutcome outcome, String keyHash, String detail) {}

    private static final Duration PERMIT_WAIT = Duration.ofSeconds(30);

    private final KeysApi api;
    private final RateLimiter limiter;
    private final Lookups queries;
    private final Store store;
    private final KeyNames names;
    private final Function<String, KeyLimits> limits;
    private final boolean dryRun;
    private Map<String, ApiKey> listed;

    public KeyImporter(
            KeysApi api,
            RateLimiter limiter,
            Lookups queries,
            Store store,
            KeyNames names,
            Function<String, KeyLimits> limitsByOwnerType,
            boolean dryRun) {
        this.api = api;
        this.limiter = limiter;
        this.queries = queries;
        this.store = store;
        this.names = names;
        this.limits = limitsByOwnerType;
        this.dryRun = dryRun;
    }

    /** Imports every row in order, telling {@code progress} after each. */
    public List<Result> run(List<ImportRow> rows, Consumer<Result> progress) throws InterruptedException {
        List<Result> out = new ArrayList<>();
        for (ImportRow row : rows) {
            Result r;
            try {
                r = one(row);
            } catch (ProvisioningException e) {
                r = new Result(row, row.shownOwner(), ImportOutcome.FAILED, row.keyHash(), e.getMessage());
            }
            out.add(r);
            progress.accept(r);
        }
        return out;
    }

    private Result one(ImportRow row) throws InterruptedException {
        Optional<String> invalid = invalid(row);
        if (invalid.isPresent()) {
            return result(row, row.shownOwner(), ImportOutcome.INVALID, null, invalid.get());
        }
        Optional<OwnerRef> owner =
                queries.canonical(new OwnerRef(row.ownerType(), row.ownerId().trim()));
        if (owner.isEmpty()) {
            return result(
                    row,
                    row.shownOwner(),
                    ImportOutcome.OWNER_MISSING,
                    null,
                    "no " + row.ownerType() + " row has this id");
        }
        String key = owner.get().key();
        Optional<String> active = queries.activeKeyHash(owner.get());
        if (active.isPresent()) {
            return result(row, key, ImportOutcome.SKIPPED_HAS_KEY, active.get(), "has an active key already");
        }
        Result found = find(row, owner.get());
        if (found.outcome() != ImportOutcome.WOULD_IMPORT || dryRun) {
            return found;
        }
        return adopt(row, owner.get(), found.keyHash());
    }

    private static Optional<String> invalid(ImportRow row) {
        if (row.ownerType() == null || !OwnerRef.TYPES.contains(row.ownerType())) {
            return Optional.of("owner_type must be one of " + OwnerRef.TYPES);
        }
        if (row.ownerId() == null || row.ownerId().isBlank()) {
            return Optional.of("owner_id is blank");
        }
        if (row.apiKey() == null || row.apiKey().reveal().isBlank()) {
            return Optional.of("api_key is blank");
        }
        return Optional.empty();
    }

    /** The key on OpenRouter, as a WOULD_IMPORT result with its hash, or the reason it cannot be adopted. */
    private Result find(ImportRow row, OwnerRef owner) throws InterruptedException {
        String secret = row.apiKey().reveal();
        Optional<ApiKey> byHash = Optional.empty();
        if (row.keyHash() != null && !row.keyHash().isBlank()) {
            permit();
            byHash = api.get(row.keyHash().trim());
            if (byHash.isPresent() && !labelFits(byHash.get(), secret)) {
                return result(
                        row,
                        owner.key(),
                        ImportOutcome.NOT_ON_OPENROUTER,
                        row.keyHash(),
                        "key_hash names a key whose label does not fit api_key");
            }
        }
        List<ApiKey> candidates = byHash.isPresent() ? List.of(byHash.get()) : byLabel(secret);
        if (candidates.isEmpty()) {
            return result(
                    row,
                    owner.key(),
                    ImportOutcome.NOT_ON_OPENROUTER,
                    row.keyHash(),
                    "no key on OpenRouter has this hash or a label that fits the key");
        }
        if (candidates.size() > 1) {
            return result(
                    row,
                    owner.key(),
                    ImportOutcome.AMBIGUOUS,
                    null,
                    candidates.size() + " keys have labels that fit the key; give key_hash");
        }
        return vet(row, owner, candidates.get(0));
    }

    private Result vet(ImportRow row, OwnerRef owner, ApiKey key) {
        Optional<OwnerRef> named = names.ownerOf(key.name());
        Optional<OwnerRef> storedFor = queries.ownerOfHash(key.hash());
        if (storedFor.isPresent() || (named.isPresent() && !named.get().equals(owner))) {
            return result(
                    row,
                    owner.key(),
                    ImportOutcome.KEY_OF_ANOTHER_OWNER,
                    key.hash(),
                    "the key is " + (storedFor.isPresent() ? "stored for " + storedFor.get() : "named " + key.name()));
        }
        if (key.disabled()) {
            return result(row, owner.key(), ImportOutcome.DISABLED, key.hash(), "disabled on OpenRouter");
        }
        return result(row, owner.key(), ImportOutcome.WOULD_IMPORT, key.hash(), "found as " + key.label());
    }

    private Result adopt(ImportRow row, OwnerRef owner, String hash) throws InterruptedException {
        KeyLimits wanted = limits.apply(owner.ownerType());
        permit();
        ApiKey renamed = api.rename(hash, names.nameOf(owner), wanted);
        try {
            store.save(owner, renamed, row.apiKey(), wanted);
        } catch (ActiveKeyExistsException e) {
            return result(row, owner.key(), ImportOutcome.SKIPPED_HAS_KEY, hash, e.getMessage());
        }
        return result(row, owner.key(), ImportOutcome.IMPORTED, hash, "renamed to " + renamed.name());
    }

    private List<ApiKey> byLabel(String secret) throws InterruptedException {
        if (listed == null) {
            listed = new LinkedHashMap<>();
            for (int offset = 0; ; offset += KeysApi.PAGE_SIZE) {
                permit();
                List<ApiKey> page = api.list(offset, true);
                page.forEach(k -> listed.putIfAbsent(k.hash(), k));
                if (page.size() < KeysApi.PAGE_SIZE) {
                    break;
                }
            }
        }
        return listed.values().stream()
                .filter(k -> KeyLabels.matches(k.label(), secret))
                .toList();
    }

    /** A hash identifies the key; its label, when OpenRouter gives one, must still fit the secret. */
    private static boolean labelFits(ApiKey key, String secret) {
        return key.label() == null || KeyLabels.matches(key.label(), secret);
    }

    private void permit() throws InterruptedException {
        while (!limiter.acquire(PERMIT_WAIT)) {
            // the shared bucket is busy with the pipeline's calls: wait our turn
        }
    }

    private static Result result(ImportRow row, String owner, ImportOutcome outcome, String hash, String detail) {
        return new Result(row, owner, outcome, hash, detail);
    }
}
