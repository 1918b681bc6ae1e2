package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.JobState;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.ports.OwnerState;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.schema.Tables;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.StoredSecrets;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedInfra.class)
class JdbcKeyStoreIT {

    private static final KeyLimits LIMITS = new KeyLimits(new BigDecimal("200"), LimitReset.DAILY);
    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05Z");

    private TestSchema schema;
    private KeyCipher cipher;
    private JdbcKeyStore store;

    @BeforeEach
    void migrate(Infra infra) throws SQLException {
        schema = TestSchema.create(infra);
        Migrator.migrate(schema.ds, schema.name);
        cipher = newCipher();
        store = new JdbcKeyStore(
                schema.ds, schema.name, cipher, schema.ownerTables(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void drop() throws SQLException {
        schema.close();
    }

    @Test
    void storesTheSecretEncryptedUnderItsOwner() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        Secret secret = new Secret("sk-or-v1-" + UUID.randomUUID());

        store.saveCreated(org, apiKey("h1", org), secret, LIMITS, 1);

        String stored = keyColumn(org, "encrypted_key");
        assertThat(stored).startsWith("v1:").doesNotContain(secret.reveal());
        assertThat(cipher.decrypt(stored, org.key())).isEqualTo(secret);
        assertThatThrownBy(() -> cipher.decrypt(stored, "organization:" + UUID.randomUUID()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(decrypted(cipher, org)).contains(secret);
        OwnerState state = store.load(org);
        assertThat(state.ownerExists()).isTrue();
        assertThat(state.activeKey()).hasValueSatisfying(k -> {
            assertThat(k.hash()).isEqualTo("h1");
            assertThat(k.limits().sameAs(LIMITS)).isTrue();
        });
        assertThat(state.job()).contains(new JobState(JobStatus.SUCCEEDED, 1, null));
    }

    /**
     * A keys table kept from an older schema may allow a null hash: an active row without one is still
     * the owner's key, not "no key" (which would create a key the one-active-key index then refuses, on
     * every attempt).
     */
    @Test
    void anActiveKeyRowWithoutAHashIsStillTheOwnersKey() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        schema.exec("alter table " + schema.name + ".ai_provider_keys alter column key_hash drop not null");
        schema.exec("insert into " + schema.name + ".ai_provider_keys (owner_type, owner_id, encrypted_key)"
                + " values ('teacher', '" + teacher.ownerId() + "', 'v1:legacy')");

        assertThat(store.load(teacher).activeKey()).isPresent();
    }

    @Test
    void refusesASecondActiveKeyForTheSameOwner() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        store.saveCreated(teacher, apiKey("first", teacher), new Secret("sk-or-v1-a"), LIMITS, 1);

        assertThatThrownBy(() ->
                        store.saveCreated(teacher, apiKey("second", teacher), new Secret("sk-or-v1-b"), LIMITS, 2))
                .isInstanceOf(ActiveKeyExistsException.class)
                .hasMessageNotContaining("sk-or-v1")
                .satisfies(e ->
                        assertThat(((ActiveKeyExistsException) e).activeHash()).isEqualTo("first"));
        store.saveCreated(teacher, apiKey("first", teacher), new Secret("sk-or-v1-a"), LIMITS, 3);

        assertThat(count("select count(*) from " + schema.name + ".ai_provider_keys"))
                .isEqualTo(1);
        assertThat(decrypted(cipher, teacher)).contains(new Secret("sk-or-v1-a"));
    }

    @Test
    void saveOfAnAttemptSupersededByALaterOneIsRefused() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        JdbcKeyStore otherWorker = new JdbcKeyStore(
                schema.ds, schema.name, cipher, schema.ownerTables(), Clock.fixed(NOW.plusMillis(1), ZoneOffset.UTC));
        Instant zombie = store.beginAttempt(teacher, 1, null);
        // the other worker loaded the zombie's intent, cleaned up after it, and begins its own
        Instant current = otherWorker.beginAttempt(teacher, 1, zombie);

        assertThatThrownBy(() -> store.saveCreated(
                        teacher, apiKey("late", teacher), new Secret("sk-or-v1-z"), LIMITS, 1, zombie))
                .isInstanceOf(KeyConflictException.class)
                .hasMessageContaining("superseded")
                .hasMessageNotContaining("sk-or-v1");
        assertThat(store.load(teacher).activeKey()).isEmpty();

        otherWorker.saveCreated(teacher, apiKey("current", teacher), new Secret("sk-or-v1-c"), LIMITS, 1, current);
        assertThat(store.load(teacher).activeKey().orElseThrow().hash()).isEqualTo("current");
        assertThat(store.load(teacher).job().orElseThrow().attemptInFlight()).isFalse();
    }

    @Test
    void zombieThatLoadedAnOldIntentCanNeitherBeginNorDeleteOnceAnotherWorkerStoredAKey() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        JdbcKeyStore otherWorker = new JdbcKeyStore(
                schema.ds, schema.name, cipher, schema.ownerTables(), Clock.fixed(NOW.plusMillis(1), ZoneOffset.UTC));
        Instant unknown = store.beginAttempt(teacher, 1, null);
        Instant loadedByBoth = store.load(teacher).job().orElseThrow().attemptInFlightSince();
        assertThat(loadedByBoth).isEqualTo(unknown);
        assertThat(store.confirmAttempt(teacher, loadedByBoth)).isEmpty();

        Instant current = otherWorker.beginAttempt(teacher, 2, loadedByBoth);
        assertThatThrownBy(() -> store.confirmAttempt(teacher, loadedByBoth))
                .isInstanceOf(AttemptSupersededException.class);
        otherWorker.saveCreated(teacher, apiKey("stored", teacher), new Secret("sk-or-v1-s"), LIMITS, 2, current);

        assertThatThrownBy(() -> store.confirmAttempt(teacher, loadedByBoth))
                .isInstanceOfSatisfying(AttemptSupersededException.class, e -> assertThat(e.activeHash())
                        .isEqualTo("stored"));
        assertThatThrownBy(() -> store.beginAttempt(teacher, 2, loadedByBoth))
                .isInstanceOf(AttemptSupersededException.class);
        assertThatThrownBy(() -> store.beginAttempt(teacher, 3, null))
                .as("no attempt begins while a key is stored")
                .isInstanceOf(AttemptSupersededException.class);
        assertThat(store.load(teacher).activeKey().orElseThrow().hash()).isEqualTo("stored");
        assertThat(store.load(teacher).job()).contains(new JobState(JobStatus.SUCCEEDED, 2, null));
    }

    @Test
    void attemptTakenOverForItsCleanUpCanNoLongerStoreItsKey() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        Instant zombie = store.beginAttempt(teacher, 1, null);

        Instant cleaning = store.takeOverAttempt(teacher, 2, zombie);

        assertThat(cleaning).isAfter(zombie);
        assertThat(store.load(teacher).job().orElseThrow().attemptInFlightSince())
                .as("the listing still looks back from the unknown attempt's moment")
                .isEqualTo(cleaning);
        assertThatThrownBy(() -> store.saveCreated(
                        teacher, apiKey("late", teacher), new Secret("sk-or-v1-z"), LIMITS, 1, zombie))
                .isInstanceOf(KeyConflictException.class);
        assertThat(store.confirmAttempt(teacher, cleaning)).isEmpty();
        assertThatThrownBy(() -> store.takeOverAttempt(teacher, 2, zombie))
                .isInstanceOf(AttemptSupersededException.class);
        assertThat(store.load(teacher).activeKey()).isEmpty();
    }

    @Test
    void noAttemptBeginsForAnOwnerWhoseRowIsGone() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        Instant loaded =
                store.load(org).job().map(JobState::attemptInFlightSince).orElse(null);
        schema.exec("delete from " + schema.name + ".organizations where id = '" + org.ownerId() + "'");

        assertThatThrownBy(() -> store.beginAttempt(org, 1, loaded))
                .isInstanceOfSatisfying(AttemptSupersededException.class, e -> assertThat(e.activeHash())
                        .isNull());
        assertThat(count("select count(*) from " + schema.name + ".ai_key_provision_jobs where attempt_started_at"
                        + " is not null"))
                .isZero();
    }

    @Test
    void clearingAnIntentLeavesALaterAttemptsIntentAlone() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        JdbcKeyStore later = new JdbcKeyStore(
                schema.ds, schema.name, cipher, schema.ownerTables(), Clock.fixed(NOW.plusMillis(1), ZoneOffset.UTC));
        Instant first = store.beginAttempt(teacher, 1, null);
        Instant second = later.beginAttempt(teacher, 2, first);

        assertThat(store.clearAttempt(teacher, first)).isFalse();
        store.reopenAttempt(teacher, 2);
        assertThat(store.load(teacher).job().orElseThrow().attemptInFlightSince())
                .isEqualTo(second);

        assertThat(later.clearAttempt(teacher, second)).isTrue();
        assertThat(store.load(teacher).job().orElseThrow().attemptInFlight()).isFalse();
        store.reopenAttempt(teacher, 2);
        assertThat(store.load(teacher).job().orElseThrow().attemptInFlightSince())
                .isEqualTo(NOW);
    }

    @Test
    void markRevokedAndMarkSucceededClearOnlyTheIntentTheyHold() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        JdbcKeyStore otherWorker = storeAt(NOW.plusMillis(1));
        Instant zombie = store.beginAttempt(teacher, 1, null);
        Instant current = otherWorker.takeOverAttempt(teacher, 2, zombie);

        assertThatThrownBy(() -> store.markSucceeded(teacher, 1, zombie))
                .isInstanceOf(AttemptSupersededException.class);
        assertThatThrownBy(() -> store.markRevoked(teacher, null, 1, zombie))
                .isInstanceOf(AttemptSupersededException.class);
        assertThatThrownBy(() -> store.markRevoked(teacher, null, 1, null))
                .as("no intent expected, but one is set")
                .isInstanceOf(AttemptSupersededException.class);
        assertThat(store.load(teacher).job()).contains(new JobState(JobStatus.PROCESSING, 2, current));

        otherWorker.markSucceeded(teacher, 2, current);
        assertThat(store.load(teacher).job()).contains(new JobState(JobStatus.SUCCEEDED, 2, null));
    }

    @Test
    void revokeOfAStoredKeyIsFencedLikeACreate() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        store.saveCreated(teacher, apiKey("h", teacher), new Secret("sk-or-v1-h"), LIMITS, 1);
        String deleteRow = "delete from " + schema.name + ".teachers where id = '" + teacher.ownerId() + "'";
        schema.exec(deleteRow);

        Instant zombie = store.beginRevoke(teacher, 1, null);
        assertThat(store.confirmAttempt(teacher, zombie)).contains("h");
        assertThatThrownBy(() -> store.beginRevoke(teacher, 1, null))
                .as("another worker that loaded no intent")
                .isInstanceOf(AttemptSupersededException.class);
        // the row comes back under the same id; a worker takes the intent over to keep the key
        schema.exec("insert into " + schema.name + ".teachers (id, name) values ('" + teacher.ownerId() + "', 'x')");
        assertThatThrownBy(() -> store.beginRevoke(teacher, 2, zombie))
                .isInstanceOfSatisfying(AttemptSupersededException.class, e -> assertThat(e.activeHash())
                        .isEqualTo("h"));
        Instant keeper = store.takeOverAttempt(teacher, 2, zombie);

        assertThatThrownBy(() -> store.confirmAttempt(teacher, zombie)).isInstanceOf(AttemptSupersededException.class);
        assertThatThrownBy(() -> store.markRevoked(teacher, "h", 1, zombie))
                .isInstanceOf(AttemptSupersededException.class);
        assertThat(store.load(teacher).activeKey().orElseThrow().hash()).isEqualTo("h");
        store.markSucceeded(teacher, 2, keeper);
        assertThat(store.load(teacher).job()).contains(new JobState(JobStatus.SUCCEEDED, 2, null));
    }

    @Test
    void revokeTakesOverAnEarlierAttemptsIntentSoItsListingStillCoversIt() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        Instant unknown = store.beginAttempt(teacher, 1, null);
        schema.exec("delete from " + schema.name + ".teachers where id = '" + teacher.ownerId() + "'");

        Instant revoke = store.beginRevoke(teacher, 2, unknown);

        assertThat(revoke).isEqualTo(unknown.plusNanos(1_000));
        assertThatThrownBy(() -> store.saveCreated(
                        teacher, apiKey("late", teacher), new Secret("sk-or-v1-z"), LIMITS, 1, unknown))
                .isInstanceOf(KeyConflictException.class);
        store.markRevoked(teacher, null, 2, revoke);
        assertThat(store.load(teacher).job()).contains(new JobState(JobStatus.REVOKED, 2, null));
    }

    @Test
    void aKeyOpenRouterLostIsRevokedAndTheNextAttemptProvisionsTheOwner() throws SQLException {
        OwnerRef teacher = insertOwner("teachers", OwnerRef.TEACHER);
        store.saveCreated(teacher, apiKey("h", teacher), new Secret("sk-or-v1-h"), LIMITS, 1);

        store.markLost(teacher, "other", 2);
        assertThat(store.load(teacher).activeKey().orElseThrow().hash()).isEqualTo("h");
        store.markLost(teacher, "h", 2);

        assertThat(store.load(teacher).activeKey()).isEmpty();
        assertThat(store.load(teacher).job().orElseThrow().attemptInFlightSince())
                .isEqualTo(NOW);
    }

    @Test
    void jobRowFollowsAttemptRetryDeathAndRevocation() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        store.beginAttempt(org, 1, null);
        assertThat(store.load(org).job()).contains(new JobState(JobStatus.PROCESSING, 1, NOW));

        Instant next = NOW.plusSeconds(30);
        store.markRetrying(org, 1, "x".repeat(5000), next);
        assertThat(jobColumn(org, "status")).isEqualTo("retrying");
        assertThat(jobColumn(org, "last_error")).hasSize(1000);
        assertThat(jobColumn(org, "next_attempt_at::timestamptz = '" + next + "'"))
                .isEqualTo("t");
        assertThat(store.load(org).job().orElseThrow().attemptInFlight()).isTrue();

        store.markDead(org, 8, "POST /keys answered 400: bad");
        assertThat(jobColumn(org, "status")).isEqualTo("dead");
        assertThat(jobColumn(org, "attempts")).isEqualTo("8");
        assertThat(jobColumn(org, "last_error")).isEqualTo("POST /keys answered 400: bad");

        store.saveCreated(org, apiKey("h", org), new Secret("sk-or-v1-x"), LIMITS, 9);
        store.markRevoked(org, "h", 10, null);
        assertThat(jobColumn(org, "status")).isEqualTo("revoked");
        assertThat(keyColumn(org, "revoked_at is not null")).isEqualTo("t");
        assertThat(store.load(org).activeKey()).isEmpty();
        assertThat(store.load(org).job()).contains(new JobState(JobStatus.REVOKED, 10, null));
    }

    /**
     * A worker that just took an old intent over (a create's or a revoke's) is busy with it: the orphan
     * sweep, which takes over only intents no worker touched lately, must not take it from that worker.
     */
    @Test
    void anIntentAWorkerJustTookOverIsNotStaleForTheSweep() throws SQLException {
        OwnerRef created = insertOwner("organizations", OwnerRef.ORGANIZATION);
        OwnerRef revoked = insertOwner("organizations", OwnerRef.ORGANIZATION);
        JdbcKeyStore longAgo = storeAt(NOW.minus(Duration.ofMinutes(10)));
        Instant oldCreate = longAgo.beginAttempt(created, 1, null);
        Instant oldRevoke = longAgo.beginAttempt(revoked, 1, null);
        schema.exec("delete from " + schema.name + ".organizations where id = '" + revoked.ownerId() + "'");

        store.takeOverAttempt(created, 2, oldCreate);
        store.beginRevoke(revoked, 2, oldRevoke);

        IntentFence sweep = new IntentFence(schema.ds, schema.name, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(sweep.staleIntents(null, NOW.minus(Duration.ofMinutes(1)), 10))
                .extracting(IntentFence.StaleIntent::owner)
                .doesNotContain(created, revoked);
    }

    @Test
    void anOwnerWithoutAKeyGetsItsJobRowFromItsFirstAttemptsIntent() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);

        OwnerState state = store.load(org);
        Instant token = store.beginAttempt(org, 1, null);

        assertThat(state.ownerExists()).isTrue();
        assertThat(state.activeKey()).isEmpty();
        assertThat(state.job()).isEmpty();
        assertThat(store.load(org).job()).contains(new JobState(JobStatus.PROCESSING, 1, token));
        assertThat(jobColumn(org, "created_at = attempt_started_at")).isEqualTo("t");
    }

    @Test
    void firstLoadOfAnOwnerWithAKeyButNoJobCreatesAPendingJob() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        store.saveCreated(org, apiKey("imported", org), new Secret("sk-or-v1-i"), LIMITS, 0);
        schema.exec("delete from " + schema.name + ".ai_key_provision_jobs");

        OwnerState state = store.load(org);

        assertThat(state.activeKey()).isPresent();
        assertThat(state.job()).contains(new JobState(JobStatus.PENDING, 0, null));
    }

    @Test
    void anAttemptBeginsOnlyOverTheIntentItLoadedAndLeavesNothingWhenTheOwnerHasAKey() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        Instant first = store.beginAttempt(org, 1, null);

        assertThatThrownBy(() -> storeAt(NOW.plusSeconds(1)).beginAttempt(org, 2, null))
                .isInstanceOf(AttemptSupersededException.class);
        assertThatThrownBy(() -> storeAt(NOW.plusSeconds(1)).beginAttempt(org, 2, first.minusSeconds(1)))
                .isInstanceOf(AttemptSupersededException.class);
        Instant second = storeAt(NOW.plusSeconds(2)).beginAttempt(org, 2, first);
        store.saveCreated(org, apiKey("other", org), new Secret("sk-or-v1-o"), LIMITS, 2, second);

        assertThatThrownBy(() -> storeAt(NOW.plusSeconds(3)).beginAttempt(org, 3, null))
                .isInstanceOf(AttemptSupersededException.class)
                .satisfies(e -> assertThat(((AttemptSupersededException) e).activeHash())
                        .isEqualTo("other"));
        assertThat(store.load(org).job()).contains(new JobState(JobStatus.SUCCEEDED, 2, null));
    }

    @Test
    void malformedOrUnknownIdIsAnOwnerThatDoesNotExist() {
        OwnerState malformed = store.load(new OwnerRef(OwnerRef.ORGANIZATION, "not-a-uuid"));
        OwnerState unknown =
                store.load(new OwnerRef(OwnerRef.TEACHER, UUID.randomUUID().toString()));

        assertThat(malformed.ownerExists()).isFalse();
        assertThat(malformed.job()).isEmpty();
        assertThat(unknown.ownerExists()).isFalse();
    }

    @Test
    void savesNewLimitsOnlyUnderTheUpdatesIntentAndForTheActiveKey() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        store.saveCreated(org, apiKey("h", org), new Secret("sk-or-v1-x"), LIMITS, 1);
        KeyLimits weekly = new KeyLimits(new BigDecimal("75.50"), LimitReset.WEEKLY);

        assertThatThrownBy(() -> store.beginUpdate(org, 2, "other")).isInstanceOf(AttemptSupersededException.class);
        Instant token = store.beginUpdate(org, 2, "h");
        assertThat(store.load(org).job().orElseThrow().attemptInFlightSince()).isEqualTo(token);
        assertThatThrownBy(() -> store.beginUpdate(org, 2, "h")).isInstanceOf(AttemptSupersededException.class);
        store.savePolicy(org, "h", weekly, "9a1e8f3c-0000-4000-8000-000000000001", 2, token);

        StoredKey saved = store.load(org).activeKey().orElseThrow();
        assertThat(saved.limits().sameAs(weekly)).isTrue();
        assertThat(saved.guardrailId()).isEqualTo("9a1e8f3c-0000-4000-8000-000000000001");
        assertThat(store.load(org).job().orElseThrow().attemptInFlightSince()).isNull();
        assertThat(store.load(org).job().orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
        Instant next = store.beginUpdate(org, 3, "h");
        assertThatThrownBy(() -> store.savePolicy(org, "other", LIMITS, null, 3, next))
                .isInstanceOf(RetryableException.class);
    }

    @Test
    void anUnsettledUpdateSupersedesTheUpdateInProgressSoItsSaveIsRefused() throws SQLException {
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        store.saveCreated(org, apiKey("h", org), new Secret("sk-or-v1-x"), LIMITS, 1);
        Instant inProgress = store.beginUpdate(org, 2, "h");

        // a worker superseded earlier finds its save refused after its PATCH went out
        store.unsettleUpdate(org, 2, "other");
        assertThat(store.load(org).job().orElseThrow().attemptInFlightSince()).isEqualTo(inProgress);
        store.unsettleUpdate(org, 2, "h");

        Instant intent = store.load(org).job().orElseThrow().attemptInFlightSince();
        assertThat(intent).isAfter(inProgress);
        KeyLimits weekly = new KeyLimits(new BigDecimal("75.50"), LimitReset.WEEKLY);
        assertThatThrownBy(() -> store.savePolicy(org, "h", weekly, null, 2, inProgress))
                .isInstanceOf(AttemptSupersededException.class);
        assertThat(store.load(org).activeKey().orElseThrow().limits().sameAs(LIMITS))
                .isTrue();
        assertThat(store.load(org).job().orElseThrow().attemptInFlightSince()).isEqualTo(intent);
    }

    @Test
    void findsOwnersWithoutKeyAndKeysWithoutOwner() throws SQLException {
        ProvisioningQueries queries =
                new ProvisioningQueries(schema.ds, schema.name, schema.ownerTables(), Clock.fixed(NOW, ZoneOffset.UTC));
        OwnerRef withKey = insertOwner("organizations", OwnerRef.ORGANIZATION);
        OwnerRef withoutKey = insertOwner("teachers", OwnerRef.TEACHER);
        OwnerRef gone = insertOwner("organizations", OwnerRef.ORGANIZATION);
        store.saveCreated(withKey, apiKey("h1", withKey), new Secret("sk-or-v1-1"), LIMITS, 1);
        store.saveCreated(gone, apiKey("h2", gone), new Secret("sk-or-v1-2"), LIMITS, 1);
        schema.exec("delete from " + schema.name + ".organizations where id = '" + gone.ownerId() + "'");
        store.markRetrying(withoutKey, 2, "POST /keys answered 503", NOW.plusSeconds(60));

        assertThat(queries.ownersWithoutActiveKey(100)).containsExactly(withoutKey);
        assertThat(queries.ownersWithoutActiveKey(0)).isEmpty();
        assertThat(queries.activeKeysWithoutOwner())
                .extracting(OwnedKey::owner, k -> k.key().hash())
                .containsExactly(org.assertj.core.groups.Tuple.tuple(gone, "h2"));
        assertThat(queries.activeKeys()).extracting(OwnedKey::owner).containsExactlyInAnyOrder(withKey, gone);
        assertThat(queries.countsByStatus()).isEqualTo(Map.of("succeeded", 2L, "retrying", 1L));
        assertThat(queries.latestFailures(10)).singleElement().satisfies(f -> {
            assertThat(f.owner()).isEqualTo(withoutKey);
            assertThat(f.lastError()).isEqualTo("POST /keys answered 503");
            assertThat(f.attempts()).isEqualTo(2);
        });
    }

    @Test
    void revokingALostKeyStampsItWithTheQueriesClock() throws SQLException {
        Instant later = NOW.plus(Duration.ofDays(3));
        ProvisioningQueries queries = new ProvisioningQueries(
                schema.ds, schema.name, schema.ownerTables(), Clock.fixed(later, ZoneOffset.UTC));
        OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
        store.saveCreated(org, apiKey("h", org), new Secret("sk-or-v1-x"), LIMITS, 1);

        queries.revokeKey(org, "h");

        assertThat(keyColumn(org, "revoked_at::timestamptz = '" + later + "'")).isEqualTo("t");
        assertThat(queries.activeKey(org)).isEmpty();
    }

    @Test
    void rotationReencryptsEveryKeyOnceAndCanRunAgain() throws SQLException {
        Map<OwnerRef, Secret> secrets = new HashMap<>();
        for (int i = 0; i < 120; i++) {
            OwnerRef org = insertOwner("organizations", OwnerRef.ORGANIZATION);
            Secret secret = new Secret("sk-or-v1-" + i);
            store.saveCreated(org, apiKey("h" + i, org), secret, LIMITS, 1);
            secrets.put(org, secret);
        }
        KeyCipher newCipher = newCipher();

        RotationResult first = store.rotateEncryption(cipher, newCipher);
        RotationResult second = store.rotateEncryption(cipher, newCipher);

        assertThat(first).isEqualTo(new RotationResult(120, 0, 0));
        assertThat(second).isEqualTo(new RotationResult(0, 120, 0));
        JdbcKeyStore rotated =
                new JdbcKeyStore(schema.ds, schema.name, newCipher, schema.ownerTables(), Clock.systemUTC());
        secrets.forEach(
                (owner, secret) -> assertThat(decrypted(newCipher, owner)).contains(secret));
        OwnerRef any = secrets.keySet().iterator().next();
        assertThatThrownBy(() -> decrypted(cipher, any)).isInstanceOf(IllegalArgumentException.class);
    }

    private Optional<Secret> decrypted(KeyCipher with, OwnerRef owner) {
        return StoredSecrets.active(schema.ds, Tables.qualified(schema.name, Tables.KEYS), with, owner);
    }

    private static KeyCipher newCipher() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return KeyCipher.fromBase64(new Secret(Base64.getEncoder().encodeToString(raw)));
    }

    private static ApiKey apiKey(String hash, OwnerRef owner) {
        return new ApiKey(hash, owner.key(), "sk-or-v1-abc...xyz", false, LIMITS.limit(), LIMITS.reset(), NOW);
    }

    /** Another worker's store, whose clock reads {@code now}. */
    private JdbcKeyStore storeAt(Instant now) {
        return new JdbcKeyStore(schema.ds, schema.name, cipher, schema.ownerTables(), Clock.fixed(now, ZoneOffset.UTC));
    }

    private OwnerRef insertOwner(String table, String type) throws SQLException {
        String id = UUID.randomUUID().toString();
        schema.exec("insert into " + schema.name + "." + table + " (id, name) values ('" + id + "', 'x')");
        return new OwnerRef(type, id);
    }

    private String keyColumn(OwnerRef owner, String expression) throws SQLException {
        return one(
                "select " + expression + " from " + schema.name + ".ai_provider_keys"
                        + " where owner_type = ? and owner_id = ? order by id desc limit 1",
                owner);
    }

    private String jobColumn(OwnerRef owner, String expression) throws SQLException {
        return one(
                "select " + expression + " from " + schema.name + ".ai_key_provision_jobs"
                        + " where owner_type = ? and owner_id = ?",
                owner);
    }

    private long count(String sql) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String one(String sql, OwnerRef owner) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row of %s", owner).isTrue();
                return rs.getString(1);
            }
        }
    }
}
