package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.KeyNames;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.PermitUnavailableException;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.secret.Secret;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.FakeKeysApi.Op;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The service's side effects with fakes: fencing, what a failed create leaves, names, clean-up cost. */
class ProvisioningServiceTest {

    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");
    private static final KeyLimits LIMITS = new KeyLimits(new BigDecimal("50"), LimitReset.DAILY);
    private static final ProvisionRequest REQUEST = ProvisionRequest.of(
            TEACHER, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.teachers", 1L, 0L), Instant.EPOCH);

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore().addOwner(TEACHER);
    private final ProvisioningService service = service(KeyNames.UNPREFIXED);
    private final ProvisioningService otherWorker = service(KeyNames.UNPREFIXED);

    @Test
    void zombieResumingAfterAnotherWorkerStoredAKeyNeitherDeletesNorCreates() {
        givenAnAttemptWhoseOutcomeIsUnknown();
        // the zombie loads "no key, intent set", then stalls while the partition's new owner converges
        store.afterNextLoad(() -> otherWorker.handle(REQUEST, 2));

        Outcome zombie = service.handle(REQUEST, 2);

        String stored = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(api.keysNamed(TEACHER.key())).extracting(ApiKey::hash).containsExactly(stored);
        assertThat(zombie).isEqualTo(new Outcome.Unchanged(stored));
        assertThat(api.callsOf("POST"))
                .as("the first attempt's and the new owner's")
                .isEqualTo(2);
        assertThat(store.job(TEACHER).orElseThrow().status()).isEqualTo("succeeded");
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
    }

    @Test
    void zombieWhoseCleanUpWasOvertakenDeletesNothingAndIsRetried() {
        givenAnAttemptWhoseOutcomeIsUnknown();
        // the new owner began its own attempt (and is still creating) while the zombie stalled
        store.afterNextLoad(() ->
                store.beginAttempt(TEACHER, 2, store.job(TEACHER).orElseThrow().inFlightSince()));

        assertThatThrownBy(() -> service.handle(REQUEST, 2)).isInstanceOf(RetryableException.class);

        assertThat(api.callsOf("DELETE")).isZero();
        assertThat(api.callsOf("POST")).isEqualTo(1);
    }

    @Test
    void zombieThatReadTheRowGoneDoesNotDeleteTheKeyOfTheRowInsertedAgain() {
        ApiKey key = api.seed(TEACHER.key(), LIMITS);
        store.seedKey(TEACHER, key, LIMITS).removeOwner(TEACHER);
        // the zombie read "row gone, key stored", then stalled while the row was inserted again
        store.afterNextLoad(() -> store.addOwner(TEACHER));

        Outcome zombie = service.handle(REQUEST, 1);

        assertThat(zombie).isEqualTo(new Outcome.Unchanged(key.hash()));
        assertThat(api.keys()).containsExactly(key);
        assertThat(store.activeKey(TEACHER))
                .hasValueSatisfying(k -> assertThat(k.hash()).isEqualTo(key.hash()));
    }

    @Test
    void zombieSavingWhileTheNewOwnerCleansUpAfterItIsRefusedAndTheOwnerKeepsALiveKey() {
        // the zombie began an attempt and its POST took effect; it froze before storing the key
        Instant zombieToken = store.beginAttempt(TEACHER, 1, null);
        ApiKey zombieKey = api.create(TEACHER.key(), LIMITS).data();
        List<String> zombieSave = new ArrayList<>();
        // the partition's new owner lists (permit 1) and confirms; the zombie resumes and saves before the
        // new owner's DELETE (permit 2) is sent
        ProvisioningService newOwner = service(KeyNames.UNPREFIXED, onPermit(2, () -> {
            try {
                store.saveCreated(TEACHER, zombieKey, new Secret("sk-or-v1-zombie"), LIMITS, 1, zombieToken);
                zombieSave.add("stored");
            } catch (KeyConflictException refused) {
                zombieSave.add("refused");
            }
        }));

        newOwner.handle(REQUEST, 2);

        String stored = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(zombieSave).containsExactly("refused");
        assertThat(api.keysNamed(TEACHER.key())).extracting(ApiKey::hash).containsExactly(stored);
    }

    @Test
    void zombieThatReadTheRowBeforeItWasProvisionedAndDeletedCreatesNoKey() {
        ProvisionRequest delete = ProvisionRequest.of(
                TEACHER,
                ProvisionRequest.Op.DELETE,
                new ProvisionRequest.Source("public.teachers", 2L, 0L),
                Instant.EPOCH);
        // the zombie loads "row, no key, no intent", then stalls while another worker provisions the owner
        // and, after the row is deleted, revokes its key: the intent is "none" again when the zombie resumes
        store.afterNextLoad(() -> {
            otherWorker.handle(REQUEST, 1);
            store.removeOwner(TEACHER);
            otherWorker.handle(delete, 1);
        });

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);

        assertThat(store.activeKey(TEACHER)).isEmpty();
        assertThat(api.keysNamed(TEACHER.key())).isEmpty();
    }

    @Test
    void deleteTheServerCarriedOutButAnswered502IsSettledByReadingTheKeyBack() {
        ApiKey key = givenAStoredKeyWhoseOwnerRowIsGone();
        api.deleteThenFailNext(() -> ErrorClassifier.http("DELETE /keys/{hash}", 502, "Bad Gateway", null));

        Outcome revoked = service.handle(REQUEST, 1);

        assertThat(revoked).isEqualTo(new Outcome.Revoked(key.hash()));
        assertThat(api.keys()).isEmpty();
        assertThat(store.activeKey(TEACHER)).isEmpty();
        assertThat(store.job(TEACHER).orElseThrow().status()).isEqualTo("revoked");
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
    }

    @Test
    void ownerBackBeforeTheRetryOfAnUnknownDeleteGetsAKeyThatExists() {
        givenAStoredKeyWhoseOwnerRowIsGone();
        api.deleteThenFailNext(() -> ErrorClassifier.http("DELETE /keys/{hash}", 502, "Bad Gateway", null));
        api.failNext(Op.GET, () -> ErrorClassifier.http("GET /keys/{hash}", 503, "Unavailable", null));
        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);
        // the row is inserted again with the same id before the retry
        store.addOwner(TEACHER);

        service.handle(REQUEST, 2);

        String stored = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(api.keys()).extracting(ApiKey::hash).containsExactly(stored);
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
    }

    @Test
    void deleteThatDidNotActLeavesTheKeyStoredWithoutAnIntent() {
        ApiKey key = givenAStoredKeyWhoseOwnerRowIsGone();
        api.failNext(Op.DELETE, () -> ErrorClassifier.http("DELETE /keys/{hash}", 503, "Unavailable", null));

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);

        assertThat(api.keys()).containsExactly(key);
        assertThat(store.activeKey(TEACHER)).isPresent();
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();
        service.handle(REQUEST, 2);
        assertThat(api.keys()).isEmpty();
        assertThat(store.job(TEACHER).orElseThrow().status()).isEqualTo("revoked");
        assertThat(api.callsOf("GET /keys?"))
                .as("no listing for a revoke that did nothing")
                .isZero();
    }

    @Test
    void zombieWhoseRevokeStalledBeforeItsDeleteDoesNotDeleteTheKeyKeptForTheReturningOwner() {
        ApiKey key = givenAStoredKeyWhoseOwnerRowIsGone();
        // the zombie began the revoke and stalls on the DELETE's permit; meanwhile the row is inserted
        // again and the partition's new owner keeps the key
        ProvisioningService zombie =
                service(KeyNames.UNPREFIXED, onPermit(1, this::rowBackAndConvergedByAnotherWorker));

        Outcome outcome = zombie.handle(REQUEST, 1);

        assertThat(outcome).isEqualTo(new Outcome.Unchanged(key.hash()));
        assertThat(api.callsOf("DELETE")).isZero();
        assertThat(api.keys()).containsExactly(key);
        assertThat(store.activeKey(TEACHER))
                .hasValueSatisfying(k -> assertThat(k.hash()).isEqualTo(key.hash()));
        assertThat(store.job(TEACHER).orElseThrow().status()).isEqualTo("succeeded");
    }

    @Test
    void zombieWhoseDeleteWentOutBeforeTheOwnerReturnedDoesNotRecordTheReturningOwnerRevoked() {
        ApiKey key = givenAStoredKeyWhoseOwnerRowIsGone();
        // the zombie's DELETE went through; before it records the revoke, the row is back and the
        // partition's new owner finds the stored key gone on OpenRouter and replaces it
        store.beforeNextMarkRevoked(this::rowBackAndConvergedByAnotherWorker);

        Outcome outcome = service.handle(REQUEST, 1);

        String stored = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(stored).isNotEqualTo(key.hash());
        assertThat(outcome).isEqualTo(new Outcome.Unchanged(stored));
        assertThat(api.keys()).extracting(ApiKey::hash).containsExactly(stored);
        assertThat(store.job(TEACHER).orElseThrow().status()).isEqualTo("succeeded");
    }

    @Test
    void zombieThatDeletedTheKeyAWorkerKeptMeanwhileHasTheOwnerGivenANewKey() {
        ApiKey key = givenAStoredKeyWhoseOwnerRowIsGone();
        // the row is back and a worker kept the key (it still existed) before the zombie's DELETE landed
        store.beforeNextMarkRevoked(() -> {
            store.addOwner(TEACHER);
            store.takeOverAttempt(TEACHER, 1, store.job(TEACHER).orElseThrow().inFlightSince());
            store.markSucceeded(TEACHER, 1, store.job(TEACHER).orElseThrow().inFlightSince());
        });

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);
        assertThat(store.activeKey(TEACHER)).isEmpty();
        service.handle(REQUEST, 2);

        String stored = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(stored).isNotEqualTo(key.hash());
        assertThat(api.keys()).extracting(ApiKey::hash).containsExactly(stored);
    }

    private void rowBackAndConvergedByAnotherWorker() {
        store.addOwner(TEACHER);
        otherWorker.handle(REQUEST, 1);
    }

    private ApiKey givenAStoredKeyWhoseOwnerRowIsGone() {
        ApiKey key = api.seed(TEACHER.key(), LIMITS);
        store.seedKey(TEACHER, key, LIMITS).removeOwner(TEACHER);
        return key;
    }

    /** A limiter that runs {@code action} while handing out its {@code n}-th permit. */
    private static RateLimiter onPermit(int n, Runnable action) {
        AtomicInteger permits = new AtomicInteger();
        return wait -> {
            if (permits.incrementAndGet() == n) {
                action.run();
            }
            return true;
        };
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 422, 429})
    void createTheServerDidNotActOnLeavesNoIntentAndTheNextAttemptListsNothing(int status) {
        // no permit wait here, so a 429 is not made again within the attempt (ThrottledCallsTest)
        api.failNext(Op.CREATE, FakeKeysApi.http(status, null));

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(ProvisioningException.class);
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNull();

        service.handle(REQUEST, 2);

        assertThat(api.callsOf("GET /keys")).isZero();
        assertThat(api.keysNamed(TEACHER.key())).hasSize(1);
    }

    @Test
    void createAnswered500LeavesTheIntentAndTheNextAttemptCleansUp() {
        api.failNext(Op.CREATE, FakeKeysApi.http(500, null));

        assertThatThrownBy(() -> service.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);
        assertThat(store.job(TEACHER).orElseThrow().inFlightSince()).isNotNull();

        service.handle(REQUEST, 2);

        assertThat(api.callsOf("GET /keys")).isEqualTo(1);
    }

    @Test
    void keysOfAnotherPipelinesPrefixAreNeverTouched() {
        ProvisioningService staging = service(new KeyNames("staging/"));
        ApiKey production = api.seed(TEACHER.key(), LIMITS);
        ApiKey otherPrefix = api.seed("prod/" + TEACHER.key(), LIMITS);
        api.timeOutNextCreateAfterCommit();
        assertThatThrownBy(() -> staging.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);

        staging.handle(REQUEST, 2);

        String stored = store.activeKey(TEACHER).orElseThrow().hash();
        assertThat(api.keysNamed("staging/" + TEACHER.key()))
                .extracting(ApiKey::hash)
                .containsExactly(stored);
        assertThat(api.keys()).contains(production, otherPrefix).hasSize(3);
        assertThat(api.callsOf("DELETE")).isEqualTo(1);
    }

    @Test
    void cleanUpStopsPagingAtKeysOlderThanTheUnknownAttempt() {
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        IntStream.range(0, 3_000).forEach(i -> api.seed("teacher:other-" + i, LIMITS, longAgo));
        givenAnAttemptWhoseOutcomeIsUnknown();

        service.handle(REQUEST, 2);

        assertThat(api.callsOf("GET /keys")).isEqualTo(1);
        assertThat(api.keysNamed(TEACHER.key())).hasSize(1);
    }

    /**
     * A permit that does not come spends no attempt only when the attempt made no call: here the clean-up
     * after an unknown create listed a page, then no permit came for the create.
     */
    @Test
    void noPermitAfterACallOfTheSameAttemptSpendsTheAttempt() {
        int[] permits = {Integer.MAX_VALUE};
        RateLimiter rationed = maxWait -> permits[0]-- > 0;
        ProvisioningService worker = service(KeyNames.UNPREFIXED, rationed);
        api.timeOutNextCreateAfterCommit();
        assertThatThrownBy(() -> worker.handle(REQUEST, 1)).isInstanceOf(RetryableException.class);

        permits[0] = 1; // the listing's page, then none for the create
        assertThatThrownBy(() -> worker.handle(REQUEST, 2))
                .isInstanceOf(RetryableException.class)
                .isNotInstanceOf(PermitUnavailableException.class);
        permits[0] = 0; // none at all: nothing was sent, the attempt is given back
        assertThatThrownBy(() -> worker.handle(REQUEST, 2)).isInstanceOf(PermitUnavailableException.class);
    }

    private void givenAnAttemptWhoseOutcomeIsUnknown() {
        api.timeOutNextCreateAfterCommit();
        assertThatThrownBy(() -> service.handle(REQUEST, 1))
                .isInstanceOfSatisfying(RetryableException.class, e -> assertThat(e.outcomeUnknown())
                        .isTrue());
    }

    private ProvisioningService service(KeyNames names) {
        return service(names, new NoWaitRateLimiter());
    }

    private ProvisioningService service(KeyNames names, RateLimiter limiter) {
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(Map.of(), Optional.empty()));
        return new ProvisioningService(
                api,
                store,
                limiter,
                config.limits(),
                names,
                new SimpleMeterRegistry(),
                Duration.ZERO,
                RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
    }
}
