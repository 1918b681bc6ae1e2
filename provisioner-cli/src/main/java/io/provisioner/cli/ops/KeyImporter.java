package io.provisioner.cli.ops;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyStore;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.secret.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Adopts keys that exist already (the edge function's): finds each on OpenRouter by hash, else by its
 * label, stores it encrypted as the owner's active key under the same fence as the pipeline's creates (the
 * owner's write-ahead intent, see {@link KeyStore#beginAttempt}), and only then renames it to the
 * pipeline's name for the owner with the configured limit: a key renamed to our scheme but not stored
 * would be taken for an orphan and deleted. Owners with a key are skipped, so a second run does nothing
 * new. Every OpenRouter call takes a permit from the shared rate limiter first. Not thread-safe: one run.
 */
public final class KeyImporter {

    /** Stores adopted keys under the owner's write-ahead intent, as a create does. */
    public interface Store {
        /**
         * Takes the owner's intent, as a create does before its POST.
         *
         * @return the token that fences the save
         * @throws KeyConflictException (nothing changed) when the owner has an active key, its row is gone,
         *     or another attempt took the intent meanwhile
         */
        Instant claim(OwnerRef owner);

        /**
         * Stores the key as the owner's active key while {@code token} is still its intent.
         *
         * @throws KeyConflictException (nothing stored) when the owner has another active key or another
         *     attempt took the intent
         */
        void save(OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, Instant token);

        /** The pipeline's store: {@link KeyStore#beginAttempt} and {@link KeyStore#saveCreated}, attempt 0. */
        static Store of(KeyStore keys) {
            return new Store() {
                @Override
                public Instant claim(OwnerRef owner) {
                    Instant loaded = keys.load(owner)
                            .job()
                            .map(JobState::attemptInFlightSince)
                            .orElse(null);
                    return keys.beginAttempt(owner, 0, loaded);
                }

                @Override
                public void save(OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, Instant token) {
                    keys.saveCreated(owner, key, secret, limits, 0, token);
                }
            };
        }
    }

    /** What happened to one row; {@code detail} names hashes and reasons, never a secret. */
    public record Result(ImportRow row, String owner, ImportOutcome outcome, String keyHash, String detail) {}

    private static final Duration PERMIT_WAIT = Duration.ofSeconds(30);

    private final KeysApi api;
    private final RateLimiter limiter;
    private final ImportLookups queries;
    private final Store store;
    private final KeyNames names;
    private final Function<String, KeyLimits> limits;
    private final boolean dryRun;
    private final KeyFinder finder;

    public KeyImporter(
            KeysApi api,
            RateLimiter limiter,
            ImportLookups queries,
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
        this.finder = new KeyFinder(api, this::permit, queries, names);
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
        Result found = finder.find(row, owner.get());
        if (found.outcome() != ImportOutcome.WOULD_IMPORT || dryRun) {
            return found;
        }
        return adopt(row, owner.get(), finder.found());
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

    private Result adopt(ImportRow row, OwnerRef owner, ApiKey found) throws InterruptedException {
        KeyLimits wanted = limits.apply(owner.ownerType());
        String name = names.nameOf(owner);
        String hash = found.hash();
        ApiKey adopted =
                new ApiKey(hash, name, found.label(), false, wanted.limit(), wanted.reset(), found.createdAt());
        try {
            store.save(owner, adopted, row.apiKey(), wanted, store.claim(owner));
        } catch (KeyConflictException e) {
            // the pipeline provisioned the owner meanwhile, or is doing so: the key keeps its old name
            return e.activeHash() == null
                    ? result(row, owner.key(), ImportOutcome.FAILED, hash, e.getMessage())
                    : result(
                            row,
                            owner.key(),
                            ImportOutcome.SKIPPED_HAS_KEY,
                            e.activeHash(),
                            "has an active key already");
        }
        permit();
        try {
            api.rename(hash, name, wanted);
        } catch (ProvisioningException e) {
            return result(
                    row,
                    owner.key(),
                    ImportOutcome.FAILED,
                    hash,
                    "stored, but renaming it on OpenRouter failed (" + e.getMessage()
                            + "); it keeps its old name and limit there");
        }
        return result(row, owner.key(), ImportOutcome.IMPORTED, hash, "renamed to " + name);
    }

    void permit() throws InterruptedException {
        while (!limiter.acquire(PERMIT_WAIT)) {
            // the shared bucket is busy with the pipeline's calls: wait our turn
        }
    }

    static Result result(ImportRow row, String owner, ImportOutcome outcome, String hash, String detail) {
        return new Result(row, owner, outcome, hash, detail);
    }
}
