package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.KeyNames;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.FakeKeysApi.Op;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
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

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404, 422, 429})
    void createTheServerDidNotActOnLeavesNoIntentAndTheNextAttemptListsNothing(int status) {
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

    private void givenAnAttemptWhoseOutcomeIsUnknown() {
        api.timeOutNextCreateAfterCommit();
        assertThatThrownBy(() -> service.handle(REQUEST, 1))
                .isInstanceOfSatisfying(RetryableException.class, e -> assertThat(e.outcomeUnknown())
                        .isTrue());
    }

    private ProvisioningService service(KeyNames names) {
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(Map.of(), Optional.empty()));
        return new ProvisioningService(
                api,
                store,
                new NoWaitRateLimiter(),
                config.limits(),
                names,
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                Duration.ZERO);
    }
}
