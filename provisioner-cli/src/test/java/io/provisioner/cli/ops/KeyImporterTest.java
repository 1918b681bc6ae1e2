package io.provisioner.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.config.KeyNames;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class KeyImporterTest {

    private static final KeyLimits TEACHER = new KeyLimits(new BigDecimal("50"), LimitReset.DAILY);
    private static final String SECRET = "sk-or-v1-0e6aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1c96";
    private static final OwnerRef OWNER = new OwnerRef("teacher", "7");

    private final Api api = new Api();
    private final Map<OwnerRef, String> stored = new HashMap<>();
    private int permits;
    private int tokens;
    private Supplier<RuntimeException> claimFailure;
    private Supplier<RuntimeException> saveFailure;

    @Test
    void findsTheKeyByItsLabelRenamesItWithTheLimitAndStoresIt() throws Exception {
        api.add(new ApiKey("h1", "edge teacher 7", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));
        api.add(new ApiKey("h2", "edge teacher 8", "sk-or-v1-0e6...ffff", false, null, LimitReset.NONE, null));

        KeyImporter.Result r = run(new KeyNames("acme/"), false, row("007", null));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.IMPORTED);
        assertThat(r.owner()).isEqualTo("teacher:7");
        assertThat(api.keys.get("h1").name()).isEqualTo("acme/teacher:7");
        assertThat(api.keys.get("h1").limit()).isEqualByComparingTo("50");
        assertThat(api.keys.get("h2").name()).isEqualTo("edge teacher 8");
        assertThat(stored).containsEntry(OWNER, "h1");
        assertThat(permits).as("one list page and one rename").isEqualTo(2);
        assertThat(api.calls)
                .as("stored under the owner's intent before it is renamed")
                .containsExactly("list 0", "claim teacher:7", "save h1 as acme/teacher:7 under token 1", "rename h1");
    }

    @Test
    void aKeyWhoseStoreIsRefusedKeepsItsName() throws Exception {
        api.add(new ApiKey("h1", "edge teacher 7", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));
        // the pipeline stored a key for the owner after the importer looked
        saveFailure = () -> new KeyConflictException("teacher:7 already has active key h0", "h0");

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.SKIPPED_HAS_KEY);
        assertThat(api.keys.get("h1").name()).isEqualTo("edge teacher 7");
        assertThat(api.calls).doesNotContain("rename h1");
    }

    @Test
    void aKeyWhoseStoreFailsKeepsItsName() throws Exception {
        api.add(new ApiKey("h1", "edge teacher 7", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));
        saveFailure = () -> new RetryableException("save created key for teacher:7 failed: connection reset");

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.FAILED);
        assertThat(api.keys.get("h1").name()).isEqualTo("edge teacher 7");
        assertThat(stored).isEmpty();
    }

    @Test
    void anOwnerWhoseIntentAnotherAttemptHoldsIsNeitherStoredNorRenamed() throws Exception {
        api.add(new ApiKey("h1", "edge teacher 7", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));
        claimFailure = () -> new AttemptSupersededException("a create for teacher:7 began meanwhile", null);

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.FAILED);
        assertThat(api.calls).containsExactly("get h1", "claim teacher:7");
        assertThat(stored).isEmpty();
    }

    @Test
    void aKeyStoredButNotRenamedIsReportedAsFailed() throws Exception {
        api.add(new ApiKey("h1", "edge teacher 7", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));
        api.renameFailure = () -> new RetryableException("PATCH /keys/{hash} answered 500: Internal Server Error");

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.FAILED);
        assertThat(r.detail()).contains("stored, but renaming it on OpenRouter failed");
        assertThat(stored).containsEntry(OWNER, "h1");
    }

    @Test
    void aHashIsLookedUpDirectlyAndItsLabelMustFitTheKey() throws Exception {
        api.add(new ApiKey("h1", "edge", "sk-or-v1-xyz...9999", false, null, LimitReset.NONE, null));

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.NOT_ON_OPENROUTER);
        assertThat(r.detail()).contains("label does not fit");
        assertThat(stored).isEmpty();
        assertThat(api.calls).containsExactly("get h1");
    }

    @Test
    void labelsThatFitSeveralKeysAreReportedAndNothingIsRenamed() throws Exception {
        api.add(new ApiKey("h1", "a", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));
        api.add(new ApiKey("h2", "b", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", null));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.AMBIGUOUS);
        assertThat(api.calls).doesNotContain("rename h1", "rename h2");
        assertThat(stored).isEmpty();
    }

    @Test
    void aKeyNamedForAnotherOwnerIsNotTaken() throws Exception {
        api.add(new ApiKey("h1", "teacher:8", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.KEY_OF_ANOTHER_OWNER);
        assertThat(r.detail()).contains("named teacher:8");
        assertThat(stored).isEmpty();
    }

    @Test
    void dryRunFindsTheKeyButRenamesAndStoresNothing() throws Exception {
        api.add(new ApiKey("h1", "edge", "sk-or-v1-0e6...1c96", false, null, LimitReset.NONE, null));

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, true, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.WOULD_IMPORT);
        assertThat(api.keys.get("h1").name()).isEqualTo("edge");
        assertThat(stored).isEmpty();
    }

    @Test
    void anOwnerWithAKeyIsSkippedWithoutCallingOpenRouter() throws Exception {
        stored.put(OWNER, "h0");

        KeyImporter.Result r = run(KeyNames.UNPREFIXED, false, row("7", "h1"));

        assertThat(r.outcome()).isEqualTo(ImportOutcome.SKIPPED_HAS_KEY);
        assertThat(api.calls).isEmpty();
    }

    @Test
    void rowsWithoutAnOwnerOrAKeyAreReportedWithoutTheSecret() throws Exception {
        List<KeyImporter.Result> results = importer(KeyNames.UNPREFIXED, false)
                .run(
                        List.of(
                                new ImportRow(1, "teacher", "999", new Secret(SECRET), null),
                                new ImportRow(2, "student", "7", new Secret(SECRET), null),
                                new ImportRow(3, "teacher", "7", null, null)),
                        r -> {});

        assertThat(results)
                .extracting(KeyImporter.Result::outcome)
                .containsExactly(ImportOutcome.OWNER_MISSING, ImportOutcome.INVALID, ImportOutcome.INVALID);
        assertThat(results.toString()).doesNotContain(SECRET);
        assertThat(api.calls).isEmpty();
    }

    private static ImportRow row(String ownerId, String hash) {
        return new ImportRow(1, "teacher", ownerId, new Secret(SECRET), hash);
    }

    private KeyImporter.Result run(KeyNames names, boolean dryRun, ImportRow row) throws Exception {
        return importer(names, dryRun).run(List.of(row), r -> {}).get(0);
    }

    private KeyImporter importer(KeyNames names, boolean dryRun) {
        ImportLookups lookups = new ImportLookups() {
            @Override
            public Optional<OwnerRef> canonical(OwnerRef owner) {
                // the owner table holds teacher 7; its id::text drops leading zeros
                return owner.ownerId().replaceFirst("^0+", "").equals("7") ? Optional.of(OWNER) : Optional.empty();
            }

            @Override
            public Optional<String> activeKeyHash(OwnerRef owner) {
                return Optional.ofNullable(stored.get(owner));
            }

            @Override
            public Optional<OwnerRef> ownerOfHash(String hash) {
                return stored.entrySet().stream()
                        .filter(e -> e.getValue().equals(hash))
                        .map(Map.Entry::getKey)
                        .findFirst();
            }
        };
        return new KeyImporter(
                api,
                maxWait -> {
                    permits++;
                    return true;
                },
                lookups,
                new KeyImporter.Store() {
                    @Override
                    public Instant claim(OwnerRef owner) {
                        api.calls.add("claim " + owner.key());
                        if (claimFailure != null) {
                            throw claimFailure.get();
                        }
                        return Instant.EPOCH.plusSeconds(++tokens);
                    }

                    @Override
                    public void save(OwnerRef owner, ApiKey key, Secret secret, KeyLimits limits, Instant token) {
                        api.calls.add(
                                "save " + key.hash() + " as " + key.name() + " under token " + token.getEpochSecond());
                        if (saveFailure != null) {
                            throw saveFailure.get();
                        }
                        stored.put(owner, key.hash());
                    }
                },
                names,
                type -> TEACHER,
                dryRun);
    }

    /** OpenRouter's keys, in memory; records the calls the importer makes. */
    private static final class Api implements KeysApi {
        final Map<String, ApiKey> keys = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();
        Supplier<RuntimeException> renameFailure;

        void add(ApiKey key) {
            keys.put(key.hash(), key);
        }

        @Override
        public Optional<ApiKey> get(String hash) {
            calls.add("get " + hash);
            return Optional.ofNullable(keys.get(hash));
        }

        @Override
        public List<ApiKey> list(int offset, boolean includeDisabled) {
            calls.add("list " + offset);
            return new ArrayList<>(keys.values()).subList(Math.min(offset, keys.size()), keys.size());
        }

        @Override
        public ApiKey rename(String hash, String name, KeyLimits limits) {
            calls.add("rename " + hash);
            if (renameFailure != null) {
                throw renameFailure.get();
            }
            ApiKey k = keys.get(hash);
            ApiKey renamed =
                    new ApiKey(hash, name, k.label(), k.disabled(), limits.limit(), limits.reset(), k.createdAt());
            keys.put(hash, renamed);
            return renamed;
        }

        @Override
        public void verifyCredentials() {}

        @Override
        public CreatedKey create(String name, KeyLimits limits) {
            throw new AssertionError("import-keys never creates a key");
        }

        @Override
        public ApiKey updateLimits(String hash, KeyLimits limits) {
            throw new AssertionError("import-keys renames and limits in one PATCH");
        }

        @Override
        public boolean delete(String hash) {
            throw new AssertionError("import-keys never deletes a key");
        }
    }
}
