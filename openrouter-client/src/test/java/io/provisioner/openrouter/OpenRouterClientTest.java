package io.provisioner.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.errors.CredentialsException;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.Json;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyUsage;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.simulator.SimKey;
import io.provisioner.simulator.SimRequest;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against a fresh simulator per test, over real HTTP on loopback. */
class OpenRouterClientTest {
    static final KeyLimits LIMITS = new KeyLimits(new BigDecimal("200"), LimitReset.DAILY);
    static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");

    private OpenRouterSimulator simulator;
    private OpenRouterClient client;

    @BeforeEach
    void start() {
        simulator = OpenRouterSimulator.start();
        client = clientWith(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        client.close();
        simulator.close();
    }

    private OpenRouterClient clientWith(Duration timeout) {
        return new OpenRouterClient(
                URI.create(simulator.baseUrl()),
                new Secret(simulator.managementKey()),
                timeout,
                CallListener.NONE,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /**
     * A server that closes connections idle for 2 s (gunicorn's default keep-alive timeout; Node's is 5 s) must
     * not make a create ambiguous: a pooled connection is dropped before the server would close it, so the next
     * create opens a fresh one instead of sending on a dead one ("unexpected end of stream", an unknown
     * outcome, a backoff).
     */
    @Test
    void aCreateAfterAnIdlePauseDoesNotMeetAConnectionTheServerClosed() throws Exception {
        URI sim = URI.create(simulator.baseUrl());
        try (IdleClosingProxy proxy = new IdleClosingProxy(
                        new InetSocketAddress(sim.getHost(), sim.getPort()), Duration.ofSeconds(2));
                OpenRouterClient viaProxy = new OpenRouterClient(
                        URI.create("http://127.0.0.1:" + proxy.port() + sim.getPath()),
                        new Secret(simulator.managementKey()),
                        Duration.ofSeconds(5),
                        CallListener.NONE,
                        Clock.fixed(NOW, ZoneOffset.UTC))) {
            viaProxy.create("organization:1", LIMITS);
            Thread.sleep(2_500);
            viaProxy.create("organization:2", LIMITS);

            assertThat(proxy.closedIdle())
                    .as("requests that met a connection the server closed")
                    .isZero();
            assertThat(simulator.liveKeysNamed("organization:2")).hasSize(1);
        }
    }

    @Test
    void createReturnsTheSecretAndHashOfTheNewKey() {
        CreatedKey created = client.create("organization:42", LIMITS);

        SimKey held = simulator.liveKeysNamed("organization:42").get(0);
        assertThat(created.key().reveal()).isEqualTo(held.secret()).matches("sk-or-v1-[0-9a-f]{64}");
        assertThat(created.data().hash()).isEqualTo(held.hash());
        assertThat(created.data().name()).isEqualTo("organization:42");
        assertThat(created.data().limit()).isEqualByComparingTo("200");
        assertThat(created.data().limitReset()).isEqualTo(LimitReset.DAILY);
        assertThat(created.data().createdAt()).isEqualTo(held.createdAt());
    }

    @Test
    void createSendsNameLimitAndResetAsTheDocumentSays() {
        client.create("teacher:7", new KeyLimits(new BigDecimal("50.5"), LimitReset.NONE));

        SimRequest request = simulator.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v1/keys");
        JsonNode body = json(request.body());
        assertThat(body.get("name").asText()).isEqualTo("teacher:7");
        assertThat(body.get("limit").decimalValue()).isEqualByComparingTo("50.5");
        assertThat(body.has("limit_reset")).isTrue();
        assertThat(body.get("limit_reset").isNull()).isTrue();
        assertThat(simulator.liveKeys().get(0).limitReset()).isNull();
    }

    @Test
    void rateLimitWithoutRetryAfterIsRetryableWithoutDelay() {
        simulator.enqueueCreateFaults(Fault.rateLimited(null));

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.retryAfter()).isEmpty();
        assertThat(e.outcomeUnknown()).isFalse();
        assertThat(e.getMessage()).contains("POST /keys answered 429");
        assertThat(simulator.liveKeys()).isEmpty();
    }

    @Test
    void rateLimitWithRetryAfterSecondsCarriesTheDelay() {
        simulator.enqueueCreateFaults(Fault.rateLimited(Duration.ofSeconds(7)));

        assertThat(createFails(RetryableException.class).retryAfter()).hasValue(Duration.ofSeconds(7));
    }

    @Test
    void rateLimitWithRetryAfterHttpDateCarriesTheDelayFromNow() {
        simulator.enqueueCreateFaults(Fault.rateLimitedUntil(NOW.plusSeconds(90)));

        assertThat(createFails(RetryableException.class).retryAfter()).hasValue(Duration.ofSeconds(90));
    }

    @Test
    void serverErrorIsRetryableAndCreatesNothing() {
        simulator.enqueueCreateFaults(Fault.status(500));

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.getMessage()).contains("500").contains("Internal Server Error");
        assertThat(simulator.liveKeys()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 422})
    void invalidRequestIsFatal(int status) {
        simulator.enqueueCreateFaults(Fault.status(status));

        assertThat(createFails(FatalException.class).getMessage()).contains("answered " + status);
    }

    @Test
    void wrongManagementKeyIsACredentialsFailure() {
        simulator.setAcceptedManagementKey("another-key");

        assertThat(createFails(CredentialsException.class).status()).isEqualTo(401);
        assertThatThrownBy(client::verifyCredentials).isInstanceOf(CredentialsException.class);
        assertThatThrownBy(() -> client.list(0, true)).isInstanceOf(CredentialsException.class);
    }

    @Test
    void forbiddenIsACredentialsFailure() {
        simulator.setForbidden(true);

        assertThat(createFails(CredentialsException.class).status()).isEqualTo(403);
    }

    @Test
    void verifyCredentialsCallsGetKey() {
        client.verifyCredentials();

        assertThat(simulator.requests())
                .extracting(SimRequest::method, SimRequest::path)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/key"));
    }

    @Test
    void malformedCreateAnswerLeavesTheOutcomeUnknown() {
        simulator.enqueueCreateFaults(Fault.malformedBody());

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.outcomeUnknown()).isTrue();
        assertThat(simulator.liveKeysNamed("organization:42")).hasSize(1);
    }

    @Test
    void timeoutAfterTheServerCreatedTheKeyLeavesTheOutcomeUnknown() {
        client.close();
        client = clientWith(Duration.ofMillis(700));
        simulator.enqueueCreateFaults(Fault.timeoutAfterCreate(Duration.ofSeconds(30)));

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.outcomeUnknown()).isTrue();
        assertThat(e.getMessage()).contains("timed out");
        assertThat(simulator.liveKeysNamed("organization:42")).hasSize(1);
        assertThat(simulator.count("POST", "/api/v1/keys"))
                .as("no silent re-send")
                .isEqualTo(1);
    }

    @Test
    void droppedConnectionIsRetryableWithUnknownOutcomeAndNotResent() {
        client.verifyCredentials(); // a pooled connection: OkHttp would silently re-send on it if allowed
        simulator.enqueueCreateFaults(Fault.dropConnection());

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.outcomeUnknown()).isTrue();
        assertThat(simulator.count("POST", "/api/v1/keys")).isEqualTo(1);
        assertThat(simulator.liveKeys()).isEmpty();
    }

    @Test
    void refusedConnectionIsRetryableWithKnownOutcome() {
        String base = simulator.baseUrl();
        simulator.close();
        OpenRouterClient refused = new OpenRouterClient(
                URI.create(base), new Secret("k"), Duration.ofSeconds(2), CallListener.NONE, Clock.systemUTC());

        assertThatThrownBy(() -> refused.create("organization:1", LIMITS))
                .asInstanceOf(type(RetryableException.class))
                .satisfies(e -> assertThat(e.outcomeUnknown()).isFalse());
        refused.close();
    }

    @Test
    void listAllReadsEveryPageAcrossMoreThanAHundredKeys() {
        IntStream.range(0, 250).forEach(i -> simulator.addKey("teacher:" + i, BigDecimal.ONE, "weekly"));
        simulator.addKey("organization:1", null, null);

        List<ApiKey> all = client.listAll();

        assertThat(all).hasSize(251);
        assertThat(all.get(0).name()).isEqualTo("organization:1");
        assertThat(all.get(0).limit()).isNull();
        assertThat(all.get(0).limitReset()).isEqualTo(LimitReset.NONE);
        assertThat(all.get(1).limitReset()).isEqualTo(LimitReset.WEEKLY);
        assertThat(simulator.requests())
                .extracting(SimRequest::query)
                .containsExactly(
                        "offset=0&include_disabled=true",
                        "offset=90&include_disabled=true",
                        "offset=180&include_disabled=true");
    }

    @Test
    void listAllMissesNoKeyWhenKeysAreDeletedBetweenPages() {
        IntStream.range(0, 450).forEach(i -> simulator.addKey("teacher:" + i, BigDecimal.ONE, "weekly"));
        // another worker's clean-up deletes keys of the pages already read while the listing goes on
        // (20 of each page read: more than a page overlaps the next)
        int[] everyFifth = IntStream.range(0, 20).map(i -> i * 5).toArray();
        DeletingBetweenPages api = new DeletingBetweenPages(client, everyFifth);

        List<ApiKey> all = api.listAll();

        assertThat(api.deleted()).hasSizeGreaterThan(60);
        List<String> live = simulator.liveKeys().stream().map(SimKey::hash).toList();
        assertThat(all).extracting(ApiKey::hash).containsAll(live).doesNotHaveDuplicates();
    }

    @Test
    void createAnswered503WithRetryAfter0IsSentOnceAndLeavesTheOutcomeUnknown() {
        client.verifyCredentials();
        simulator.enqueueCreateFaults(Fault.createThenUnavailable());

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.outcomeUnknown()).isTrue();
        assertThat(simulator.count("POST", "/api/v1/keys"))
                .as("no follow-up re-send")
                .isEqualTo(1);
        assertThat(simulator.liveKeysNamed("organization:42")).hasSize(1);
    }

    @Test
    void createThatLandsAfterTheClientGaveUpLeavesTheOutcomeUnknown() {
        client.close();
        client = clientWith(Duration.ofMillis(500));
        simulator.enqueueCreateFaults(Fault.createLate(Duration.ofMillis(1500)));

        RetryableException e = createFails(RetryableException.class);

        assertThat(e.outcomeUnknown()).isTrue();
        assertThat(simulator.liveKeysNamed("organization:42")).as("not yet").isEmpty();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> simulator.liveKeysNamed("organization:42").size() == 1);
        assertThat(simulator.count("POST", "/api/v1/keys")).isEqualTo(1);
    }

    @Test
    void listSkipsDisabledKeysUnlessAsked() {
        simulator.addKey("teacher:1", BigDecimal.ONE, "daily");
        simulator.setDisabled(
                simulator.addKey("teacher:2", BigDecimal.ONE, "daily").hash(), true);
        simulator.addKey("teacher:3", BigDecimal.ONE, "daily");

        assertThat(client.list(0, false)).extracting(ApiKey::name).containsExactly("teacher:3", "teacher:1");
        assertThat(client.list(0, true))
                .extracting(ApiKey::name, ApiKey::disabled)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("teacher:3", false),
                        org.assertj.core.groups.Tuple.tuple("teacher:2", true),
                        org.assertj.core.groups.Tuple.tuple("teacher:1", false));
    }

    @Test
    void listUsageReadsEachKeysSpendDisabledKeysIncludedAndPagesByOffset() {
        SimKey spent = simulator.addKey("teacher:1", BigDecimal.TEN, "daily");
        simulator.spend(spent.hash(), new BigDecimal("2.125"));
        SimKey disabled = simulator.addKey("teacher:2", BigDecimal.TEN, "daily");
        simulator.setDisabled(disabled.hash(), true);
        simulator.spend(disabled.hash(), new BigDecimal("0.5"));

        assertThat(client.listUsage(0))
                .extracting(KeyUsage::hash, u -> u.total().toPlainString(), u -> u.daily()
                        .toPlainString())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(disabled.hash(), "0.5", "0.5"),
                        org.assertj.core.groups.Tuple.tuple(spent.hash(), "2.125", "2.125"));
        assertThat(client.listUsage(1)).extracting(KeyUsage::hash).containsExactly(spent.hash());
        assertThat(simulator.requests().get(0).query()).contains("include_disabled=true");
    }

    @Test
    void getFindsAKeyAndIsEmptyOn404() {
        SimKey key = simulator.addKey("teacher:1", BigDecimal.TEN, "monthly");

        assertThat(client.get(key.hash())).get().extracting(ApiKey::name).isEqualTo("teacher:1");
        assertThat(client.get("0000unknown")).isEmpty();
    }

    @Test
    void updateLimitsPatchesLimitAndReset() {
        SimKey key = simulator.addKey("teacher:1", BigDecimal.TEN, "monthly");

        ApiKey updated = client.updateLimits(key.hash(), new KeyLimits(new BigDecimal("75"), LimitReset.NONE));

        assertThat(updated.limit()).isEqualByComparingTo("75");
        assertThat(updated.limitReset()).isEqualTo(LimitReset.NONE);
        SimRequest request = simulator.requests().get(0);
        assertThat(request.method()).isEqualTo("PATCH");
        assertThat(request.path()).isEqualTo("/api/v1/keys/" + key.hash());
        assertThat(json(request.body()).get("limit").decimalValue()).isEqualByComparingTo("75");
        assertThat(simulator.key(key.hash()).orElseThrow().limitReset()).isNull();
    }

    @Test
    void renamePatchesNameLimitAndResetInOneCall() {
        SimKey key = simulator.addKey("edge-function teacher 1", null, null);

        ApiKey renamed = client.rename(key.hash(), "teacher:1", new KeyLimits(new BigDecimal("50"), LimitReset.DAILY));

        assertThat(renamed.name()).isEqualTo("teacher:1");
        assertThat(renamed.limit()).isEqualByComparingTo("50");
        assertThat(simulator.requests()).hasSize(1);
        SimRequest request = simulator.requests().get(0);
        assertThat(request.method()).isEqualTo("PATCH");
        assertThat(json(request.body()).get("name").asText()).isEqualTo("teacher:1");
        assertThat(json(request.body()).get("limit_reset").asText()).isEqualTo("daily");
        SimKey stored = simulator.key(key.hash()).orElseThrow();
        assertThat(stored.name()).isEqualTo("teacher:1");
        assertThat(stored.limit()).isEqualByComparingTo("50");
    }

    @Test
    void updateLimitsOfAnUnknownKeyIsFatal() {
        assertThatThrownBy(() -> client.updateLimits("0000unknown", LIMITS)).isInstanceOf(FatalException.class);
    }

    @Test
    void deleteIsTrueOnceThenFalseOn404() {
        SimKey key = simulator.addKey("teacher:1", BigDecimal.TEN, "monthly");

        assertThat(client.delete(key.hash())).isTrue();
        assertThat(client.delete(key.hash())).isFalse();
        assertThat(simulator.liveKeys()).isEmpty();
        assertThat(simulator.count("DELETE", "/api/v1/keys/" + key.hash())).isEqualTo(2);
    }

    @Test
    void listenerHearsEveryCallWithStatusOrMinusOne() {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        client.close();
        client = new OpenRouterClient(
                URI.create(simulator.baseUrl()),
                new Secret(simulator.managementKey()),
                Duration.ofSeconds(5),
                (operation, status, elapsed) -> heard.add(operation + " " + status),
                Clock.systemUTC());
        simulator.enqueueCreateFaults(Fault.status(500), Fault.dropConnection());

        assertThatThrownBy(() -> client.create("teacher:2", LIMITS)).isInstanceOf(RetryableException.class);
        assertThatThrownBy(() -> client.create("teacher:2", LIMITS)).isInstanceOf(RetryableException.class);
        String hash = client.create("teacher:1", LIMITS).data().hash();
        client.get(hash);
        client.delete("nope");

        assertThat(heard)
                .containsExactly(
                        "POST /keys 500",
                        "POST /keys -1",
                        "POST /keys 201",
                        "GET /keys/{hash} 200",
                        "DELETE /keys/{hash} 404");
    }

    private <T extends Throwable> T createFails(Class<T> type) {
        return assertThatThrownBy(() -> client.create("organization:42", LIMITS))
                .asInstanceOf(type(type))
                .actual();
    }

    static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
