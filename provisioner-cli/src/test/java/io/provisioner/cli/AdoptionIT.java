package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.cli.ops.ImportLookups;
import io.provisioner.cli.ops.ImportOutcome;
import io.provisioner.cli.ops.ImportRow;
import io.provisioner.cli.ops.KeyImporter;
import io.provisioner.core.events.Json;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.Database;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.KeyAdoptionQueries;
import io.provisioner.db.schema.Tables;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.EdgeFunctionSchema;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.StoredSecrets;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The switch-over from the edge function, as its user does it: migrate refuses the edge function's
 * tables, --rename-legacy moves them aside, import-keys adopts the keys the owners have, and the first
 * start's snapshot provisions only the owners without one.
 */
@ExtendWith(SharedInfra.class)
class AdoptionIT {

    /** OR_KEY_NAME_PREFIX is left empty: the pipeline's creates do not apply it yet. */
    private static final String PREFIX = "";

    @Test
    void importedOwnersKeepTheirKeysAndOnlyOwnersWithoutOneGetANewKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            try (Connection c = infra.connect()) {
                EdgeFunctionSchema.create(c, f.schema);
            }
            List<Legacy> adopted = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                adopted.add(legacyOwner(f, i == 0 ? "organization" : "teacher", i % 2 == 0));
            }
            Legacy lost = legacyOwnerWithKey(f, "teacher", "sk-or-v1-0000000000000000lost", null);
            insertLegacyKey(f, "teacher", UUID.randomUUID().toString(), "sk-or-v1-abc0000000000000gone", null);
            String newTeacher = f.insertTeacher();
            String query = "select owner_type, case when owner_type = 'organization' then upper(owner_id::text)"
                    + " else owner_id::text end as owner_id, api_key, key_hash from " + f.schema
                    + ".ai_provider_keys_legacy order by created_at";

            PipelineFixture.CliRun refused = f.cli("migrate");
            assertThat(refused.exit()).isEqualTo(ProvisionerCli.USAGE);
            assertThat(refused.err())
                    .contains("ai_key_provision_jobs has another shape", "missing column updated_at")
                    .contains("Nothing was changed", "--rename-legacy");
            PipelineFixture.CliRun notMigrated = f.cli("import-keys", "--query", query);
            assertThat(notMigrated.exit()).isEqualTo(ProvisionerCli.USAGE);
            assertThat(notMigrated.err()).contains("run `provisioner migrate --rename-legacy` first");
            PipelineFixture.CliRun migrated = f.cli("migrate", "--rename-legacy");
            assertThat(migrated.exit()).as(migrated.err()).isZero();
            assertThat(migrated.out()).contains("table ai_provider_keys -> ai_provider_keys_legacy");

            PipelineFixture.CliRun noColumns = f.cli("import-keys", "--query", "select 'teacher' as owner_type");
            assertThat(noColumns.exit()).isEqualTo(ProvisionerCli.USAGE);
            assertThat(noColumns.err()).contains("the --query result has no column owner_id, api_key");
            PipelineFixture.CliRun badSql = f.cli("import-keys", "--query", "select * from nowhere_legacy");
            assertThat(badSql.exit()).isEqualTo(ProvisionerCli.USAGE);
            assertThat(badSql.err()).contains("--query failed", "nowhere_legacy");
            PipelineFixture.CliRun badValue = f.cli(
                    "import-keys",
                    "--query",
                    "select owner_type, api_key::uuid as owner_id, api_key from " + f.schema
                            + ".ai_provider_keys_legacy");
            assertThat(badValue.exit()).isEqualTo(ProvisionerCli.USAGE);
            assertThat(badValue.err()).contains("SQLSTATE 22P02").doesNotContain("sk-or-v1");

            PipelineFixture.CliRun dryRun = f.cli("import-keys", "--query", query, "--dry-run");
            assertThat(dryRun.out()).contains("dry run, nothing changed", "would_import", "not_on_openrouter");
            assertThat(f.activeKeys()).isZero();
            assertThat(f.simulator.count("PATCH", "/api/v1/keys/")).isZero();

            PipelineFixture.CliRun imported = f.cli("import-keys", "--query", query, "--json");
            assertThat(imported.exit()).as("some rows were not adopted").isEqualTo(ProvisionerCli.FAILURE);
            JsonNode counts = Json.MAPPER.readTree(imported.out()).get("counts");
            assertThat(counts.get("imported").asInt()).isEqualTo(4);
            assertThat(counts.get("not_on_openrouter").asInt()).isEqualTo(1);
            assertThat(counts.get("owner_missing").asInt()).isEqualTo(1);
            assertThat(imported.err()).contains("import-keys: 6/6 rows done");
            try (HikariDataSource ds = Database.open(f.config().requireDatabase(), "adoption-it", 2)) {
                for (Legacy l : adopted) {
                    assertThat(StoredSecrets.active(
                                            ds,
                                            Tables.qualified(f.schema, Tables.KEYS),
                                            f.config().requireCipher(),
                                            l.owner())
                                    .map(Secret::reveal))
                            .contains(l.key().secret());
                }
            }
            for (Legacy l : adopted) {
                SimKey key = f.simulator.key(l.key().hash()).orElseThrow();
                assertThat(key.name()).isEqualTo(PREFIX + l.owner().key());
                assertThat(key.limit())
                        .isEqualByComparingTo(
                                new BigDecimal(l.owner().ownerType().equals("teacher") ? "50" : "200"));
                assertThat(key.limitReset()).isEqualTo("daily");
                assertThat(imported.out() + imported.err())
                        .doesNotContain(l.key().secret());
            }

            PipelineFixture.CliRun again = f.cli("import-keys", "--query", query, "--json");
            JsonNode againCounts = Json.MAPPER.readTree(again.out()).get("counts");
            assertThat(againCounts.get("skipped_has_key").asInt()).isEqualTo(4);
            assertThat(againCounts.has("imported")).isFalse();
            assertThat(f.simulator.count("PATCH", "/api/v1/keys/")).isEqualTo(4);

            f.start();
            List<String> everyone =
                    new ArrayList<>(List.of(newTeacher, lost.owner().key()));
            adopted.forEach(l -> everyone.add(l.owner().key()));
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> f.activeKeys() == everyone.size());
            await().atMost(Duration.ofMinutes(1)).until(() -> f.streamLag() == 0);
            for (String owner : everyone) {
                assertThat(f.simulator.liveKeysNamed(PREFIX + owner))
                        .as("keys of %s", owner)
                        .hasSize(1);
            }
            assertThat(f.createsNamed(PREFIX + newTeacher)).hasSize(1);
            assertThat(f.createsNamed(PREFIX + lost.owner().key())).hasSize(1);
            assertThat(f.simulator.count("POST", "/api/v1/keys")).isEqualTo(2);
        }
    }

    @Test
    void aLegacyKeyIsRenamedOnlyOnceItIsStoredUnderTheOwnersIntent(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra);
                HikariDataSource ds = Database.open(f.config().requireDatabase(), "adoption-it", 2);
                OpenRouterClient api = OpenRouterClient.create(f.config().openRouter(), Clock.systemUTC())) {
            assertThat(f.cli("migrate").exit()).isZero();
            JdbcKeyStore store = new JdbcKeyStore(
                    ds, f.schema, f.config().requireCipher(), f.config().cdc().ownerTables(), Clock.systemUTC());
            KeyAdoptionQueries queries =
                    new KeyAdoptionQueries(ds, f.schema, f.config().cdc().ownerTables());
            OwnerRef raced = OwnerRef.parseKey(f.insertTeacher());
            OwnerRef calm = OwnerRef.parseKey(f.insertTeacher());
            SimKey racedLegacy = f.simulator.addKey("edge-function teacher", null, null);
            SimKey calmLegacy = f.simulator.addKey("edge-function teacher", null, null);
            // the pipeline provisions the raced owner while the importer looks its legacy key up (the
            // importer's first call, GET /keys/{hash}, waits for its permit)
            AtomicInteger permits = new AtomicInteger();
            KeyImporter importer = new KeyImporter(
                    api,
                    maxWait -> {
                        if (permits.incrementAndGet() == 1) {
                            provision(f, store, raced);
                        }
                        return true;
                    },
                    ImportLookups.of(queries),
                    KeyImporter.Store.of(store),
                    f.config().keyNames(),
                    f.config().limits()::forOwnerType,
                    false);

            List<KeyImporter.Result> results = importer.run(
                    List.of(
                            new ImportRow(
                                    1,
                                    "teacher",
                                    raced.ownerId(),
                                    new Secret(racedLegacy.secret()),
                                    racedLegacy.hash()),
                            new ImportRow(
                                    2, "teacher", calm.ownerId(), new Secret(calmLegacy.secret()), calmLegacy.hash())),
                    r -> {});

            assertThat(results)
                    .extracting(KeyImporter.Result::outcome)
                    .containsExactly(ImportOutcome.SKIPPED_HAS_KEY, ImportOutcome.IMPORTED);
            assertThat(f.simulator.key(racedLegacy.hash()).orElseThrow().name())
                    .as("not stored, so not renamed: the orphan sweep would take it for ours")
                    .isEqualTo("edge-function teacher");
            assertThat(f.simulator.key(calmLegacy.hash()).orElseThrow().name()).isEqualTo(calm.key());
            assertThat(StoredSecrets.active(
                                    ds,
                                    Tables.qualified(f.schema, Tables.KEYS),
                                    f.config().requireCipher(),
                                    calm)
                            .map(Secret::reveal))
                    .contains(calmLegacy.secret());
            assertThat(store.load(calm).job().orElseThrow().attemptInFlight())
                    .as("the import's intent is cleared by its save")
                    .isFalse();
        }
    }

    /** The pipeline creates and stores a key for {@code owner}, under its own intent. */
    private static void provision(PipelineFixture f, JdbcKeyStore store, OwnerRef owner) {
        Instant loaded =
                store.load(owner).job().map(JobState::attemptInFlightSince).orElse(null);
        Instant token = store.beginAttempt(owner, 1, loaded);
        SimKey key = f.simulator.addKey(owner.key(), new BigDecimal("50"), "daily");
        KeyLimits limits = new KeyLimits(new BigDecimal("50"), LimitReset.DAILY);
        store.saveCreated(
                owner,
                new ApiKey(key.hash(), key.name(), key.label(), false, limits.limit(), limits.reset(), null),
                new Secret(key.secret()),
                limits,
                1,
                token);
    }

    /** An owner with the key the edge function gave it: on OpenRouter under its own name, plaintext in its table. */
    private record Legacy(OwnerRef owner, SimKey key) {}

    private static Legacy legacyOwner(PipelineFixture f, String type, boolean withHash) throws Exception {
        SimKey key = f.simulator.addKey("edge-function " + type, null, null);
        return legacyOwnerWithKey(f, type, key.secret(), withHash ? key.hash() : null, key);
    }

    private static Legacy legacyOwnerWithKey(PipelineFixture f, String type, String secret, String hash)
            throws Exception {
        return legacyOwnerWithKey(f, type, secret, hash, null);
    }

    private static Legacy legacyOwnerWithKey(PipelineFixture f, String type, String secret, String hash, SimKey key)
            throws Exception {
        String id = UUID.randomUUID().toString();
        try (Connection c = f.infra.connect();
                Statement st = c.createStatement()) {
            st.execute("insert into " + f.schema + "." + type + "s (id, name) values ('" + id + "', 'legacy')");
        }
        insertLegacyKey(f, type, id, secret, hash);
        return new Legacy(new OwnerRef(type, id), key);
    }

    private static void insertLegacyKey(PipelineFixture f, String type, String id, String secret, String hash)
            throws Exception {
        try (Connection c = f.infra.connect();
                PreparedStatement ps = c.prepareStatement("insert into " + f.schema
                        + ".ai_provider_keys (owner_type, owner_id, api_key, key_hash) values (?, ?::uuid, ?, ?)")) {
            ps.setString(1, type);
            ps.setString(2, id);
            ps.setString(3, secret);
            ps.setString(4, hash);
            ps.executeUpdate();
        }
    }
}
