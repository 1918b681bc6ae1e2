package io.provisioner.cli.ops;

import io.provisioner.cli.ops.KeyImporter.Result;
import io.provisioner.core.config.KeyNames;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeysApi;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the key of an {@link ImportRow} on OpenRouter: by its hash when the row has one (its label must
 * still fit the secret), else by label among every key, listed once per run. A key stored or named for
 * another owner, or disabled, is not adopted. Not thread-safe.
 */
final class KeyFinder {

    /** Takes one permit of the shared rate limiter before each call. */
    @FunctionalInterface
    interface Permit {
        void take() throws InterruptedException;
    }

    private final KeysApi api;
    private final Permit permit;
    private final ImportLookups queries;
    private final KeyNames names;
    private Map<String, ApiKey> listed;
    private ApiKey found;

    KeyFinder(KeysApi api, Permit permit, ImportLookups queries, KeyNames names) {
        this.api = api;
        this.permit = permit;
        this.queries = queries;
        this.names = names;
    }

    /** The key on OpenRouter, as a WOULD_IMPORT result with its hash, or the reason it cannot be adopted. */
    Result find(ImportRow row, OwnerRef owner) throws InterruptedException {
        String secret = row.apiKey().reveal();
        Optional<ApiKey> byHash = Optional.empty();
        if (row.keyHash() != null && !row.keyHash().isBlank()) {
            permit.take();
            byHash = api.get(row.keyHash().trim());
            if (byHash.isPresent() && !labelFits(byHash.get(), secret)) {
                return KeyImporter.result(
                        row,
                        owner.key(),
                        ImportOutcome.NOT_ON_OPENROUTER,
                        row.keyHash(),
                        "key_hash names a key whose label does not fit api_key");
            }
        }
        List<ApiKey> candidates = byHash.isPresent() ? List.of(byHash.get()) : byLabel(secret);
        if (candidates.isEmpty()) {
            return KeyImporter.result(
                    row,
                    owner.key(),
                    ImportOutcome.NOT_ON_OPENROUTER,
                    row.keyHash(),
                    "no key on OpenRouter has this hash or a label that fits the key");
        }
        if (candidates.size() > 1) {
            return KeyImporter.result(
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
            return KeyImporter.result(
                    row,
                    owner.key(),
                    ImportOutcome.KEY_OF_ANOTHER_OWNER,
                    key.hash(),
                    "the key is " + (storedFor.isPresent() ? "stored for " + storedFor.get() : "named " + key.name()));
        }
        if (key.disabled()) {
            return KeyImporter.result(row, owner.key(), ImportOutcome.DISABLED, key.hash(), "disabled on OpenRouter");
        }
        found = key;
        return KeyImporter.result(row, owner.key(), ImportOutcome.WOULD_IMPORT, key.hash(), "found as " + key.label());
    }

    /** The key of the last {@link #find} that answered WOULD_IMPORT, as OpenRouter showed it. */
    ApiKey found() {
        return found;
    }

    private List<ApiKey> byLabel(String secret) throws InterruptedException {
        if (listed == null) {
            listed = new LinkedHashMap<>();
            for (int offset = 0; ; offset += KeysApi.PAGE_SIZE) {
                permit.take();
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
}
