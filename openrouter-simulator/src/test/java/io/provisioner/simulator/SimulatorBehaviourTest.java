package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class SimulatorBehaviourTest extends OnFreshSimulator {
    @Test
    void stampsKeysAndRequestsWithTheClockItWasStartedOn() throws IOException {
        Instant then = Instant.parse("2024-06-01T12:00:00Z");
        try (OpenRouterSimulator onClock = OpenRouterSimulator.start(
                "127.0.0.1", 0, OpenRouterSimulator.DEFAULT_MANAGEMENT_KEY, Clock.fixed(then, ZoneOffset.UTC))) {
            SimKey key = onClock.addKey("teacher:1", BigDecimal.ONE, "daily");
            new SimHttp(onClock).get("/keys");

            assertThat(key.createdAt()).isEqualTo(then);
            assertThat(onClock.requests()).singleElement().satisfies(r -> assertThat(r.at())
                    .isEqualTo(then));
        }
    }

    @Test
    void pagesTwoHundredFiftyKeysNewestFirstInPagesOfHundred() throws IOException {
        IntStream.range(0, 250).forEach(i -> simulator.addKey("teacher:" + i, BigDecimal.ONE, "daily"));

        List<String> names = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int offset = 0; offset <= 300; offset += 100) {
            JsonNode data = SimHttp.json(http.get("/keys?offset=" + offset)).get("data");
            sizes.add(data.size());
            data.forEach(k -> names.add(k.get("name").asText()));
        }

        assertThat(sizes).containsExactly(100, 100, 50, 0);
        assertThat(names).hasSize(250).startsWith("teacher:249", "teacher:248").endsWith("teacher:1", "teacher:0");
    }

    @Test
    void listsDisabledKeysOnlyWhenAsked() throws IOException {
        simulator.addKey("organization:1", null, null);
        String disabled = simulator.addKey("organization:2", null, null).hash();
        http.send("PATCH", "/keys/" + disabled, "{\"disabled\":true}");

        assertThat(names(http.get("/keys"))).containsExactly("organization:1");
        assertThat(names(http.get("/keys?include_disabled=false"))).containsExactly("organization:1");
        assertThat(names(http.get("/keys?include_disabled=true"))).containsExactly("organization:2", "organization:1");
    }

    @Test
    void patchChangesNameLimitResetAndDisabled() throws IOException {
        String hash = simulator.addKey("teacher:1", BigDecimal.TEN, "daily").hash();

        HttpResponse<String> response = http.send(
                "PATCH",
                "/keys/" + hash,
                "{\"name\":\"teacher:x\",\"limit\":75.5,\"limit_reset\":null,\"disabled\":true}");

        assertThat(response.statusCode()).isEqualTo(200);
        SimKey key = simulator.key(hash).orElseThrow();
        assertThat(key.name()).isEqualTo("teacher:x");
        assertThat(key.limit()).isEqualByComparingTo("75.5");
        assertThat(key.limitReset()).isNull();
        assertThat(key.disabled()).isTrue();
        assertThat(key.updatedAt()).isAfterOrEqualTo(key.createdAt());
    }

    @Test
    void deletedKeyAnswers404Afterwards() throws IOException {
        String hash = http.create("teacher:7").get("data").get("hash").asText();

        HttpResponse<String> first = http.send("DELETE", "/keys/" + hash, null);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("{\"deleted\":true}");
        assertThat(http.get("/keys/" + hash).statusCode()).isEqualTo(404);
        assertThat(http.send("DELETE", "/keys/" + hash, null).statusCode()).isEqualTo(404);
        assertThat(simulator.liveKeys()).isEmpty();
        assertThat(simulator.deletedKeys()).extracting(SimKey::hash).containsExactly(hash);
    }

    @Test
    void deleteThatActsThenAnswers502DeletesTheKeyAndSaysItFailed() throws IOException {
        String hash = http.create("teacher:7").get("data").get("hash").asText();
        simulator.enqueueDeleteFaults(Fault.actThenStatus(502));

        HttpResponse<String> answer = http.send("DELETE", "/keys/" + hash, null);

        assertThat(answer.statusCode()).isEqualTo(502);
        assertThat(SimHttp.json(answer).get("error").get("code").asInt()).isEqualTo(502);
        assertThat(http.get("/keys/" + hash).statusCode()).isEqualTo(404);
        assertThat(simulator.deletedKeys()).extracting(SimKey::hash).containsExactly(hash);
        assertThat(http.send("DELETE", "/keys/" + hash, null).statusCode())
                .as("the fault is used up")
                .isEqualTo(404);
    }

    @Test
    void deleteThatActsThenDropsTheConnectionDeletesTheKey() throws IOException {
        String hash = http.create("teacher:7").get("data").get("hash").asText();
        simulator.enqueueDeleteFaultsFor("teacher:7", Fault.actThenDrop());

        assertThatThrownBy(() -> http.send("DELETE", "/keys/" + hash, null)).isInstanceOf(IOException.class);
        assertThat(simulator.liveKeys()).isEmpty();
    }

    @Test
    void deleteFaultsLeaveCreatesAloneAndRefuseCreateOnlyKinds() throws IOException {
        simulator.enqueueDeleteFaults(Fault.status(500));

        String hash = http.create("teacher:7").get("data").get("hash").asText();
        assertThat(http.send("DELETE", "/keys/" + hash, null).statusCode()).isEqualTo(500);
        assertThat(simulator.liveKeys()).extracting(SimKey::hash).containsExactly(hash);
        assertThatThrownBy(() -> simulator.enqueueDeleteFaults(Fault.malformedBody()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MALFORMED_BODY");
    }

    @Test
    void rejectsMissingOrWrongBearerWith401() throws IOException {
        HttpResponse<String> missing = http.bearer(null).get("/keys");
        HttpResponse<String> wrong = http.bearer("nope").get("/keys");

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(SimHttp.json(missing).get("error").get("code").asInt()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(SimHttp.json(wrong).get("error").get("message").asText()).isNotBlank();
    }

    @Test
    void acceptsOnlyTheNewManagementKeyAfterRotation() throws IOException {
        simulator.setAcceptedManagementKey("rotated");

        assertThat(http.get("/key").statusCode()).isEqualTo(401);
        assertThat(http.bearer("rotated").get("/key").statusCode()).isEqualTo(200);
        assertThat(simulator.managementKey()).isEqualTo("rotated");
    }

    @Test
    void forbiddenAnswers403ToEveryCallUntilLifted() throws IOException {
        simulator.setForbidden(true);

        assertThat(http.get("/key").statusCode()).isEqualTo(403);
        assertThat(http.post("{\"name\":\"a\"}").statusCode()).isEqualTo(403);
        assertThat(SimHttp.json(http.get("/keys")).get("error").get("code").asInt())
                .isEqualTo(403);
        assertThat(simulator.liveKeys()).isEmpty();
        simulator.setForbidden(false);
        assertThat(http.get("/keys").statusCode()).isEqualTo(200);
    }

    @Test
    void consumesScriptedFaultsInOrder() throws IOException {
        Instant until = Instant.parse("2030-01-02T03:04:05Z");
        simulator.enqueueCreateFaults(
                Fault.status(500),
                Fault.rateLimited(Duration.ofSeconds(7)),
                Fault.rateLimitedUntil(until),
                Fault.rateLimited(null),
                Fault.status(422));
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            responses.add(http.post("{\"name\":\"organization:1\"}"));
        }

        assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(500, 429, 429, 429, 422, 201);
        assertThat(responses.get(1).headers().firstValue("Retry-After")).hasValue("7");
        assertThat(responses.get(2).headers().firstValue("Retry-After")).hasValue("Wed, 02 Jan 2030 03:04:05 GMT");
        assertThat(responses.get(3).headers().firstValue("Retry-After")).isEmpty();
        assertThat(simulator.liveKeysNamed("organization:1")).hasSize(1);
        assertThat(simulator.pendingCreateFaults()).isZero();
    }

    @Test
    void callsBeyondTheAllowedRateAnswer429WithoutActing() throws IOException {
        simulator.allowRate(0.01);

        HttpResponse<String> first = http.post("{\"name\":\"teacher:1\"}");
        HttpResponse<String> create = http.post("{\"name\":\"teacher:2\"}");
        HttpResponse<String> list = http.get("/keys");

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(List.of(create, list)).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(SimHttp.json(r).at("/error/code").asInt()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
        });
        assertThat(simulator.liveKeys()).extracting(SimKey::name).containsExactly("teacher:1");
        assertThat(simulator.rateLimitedCalls()).isEqualTo(2);
    }

    @Test
    void allowedRateSendsRetryAfterWhenAskedAndIsLiftedByZero() throws IOException {
        simulator.allowRate(0.01, true);
        http.get("/keys");

        HttpResponse<String> refused = http.post("{\"name\":\"teacher:1\"}");
        simulator.allowRate(0);
        HttpResponse<String> lifted = http.post("{\"name\":\"teacher:1\"}");

        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1L, 100L);
        assertThat(lifted.statusCode()).isEqualTo(201);
        assertThat(simulator.liveKeys()).hasSize(1);
    }

    @Test
    void timeoutAfterCreateCreatesTheKeyAndNeverAnswers() {
        simulator.enqueueCreateFaults(Fault.timeoutAfterCreate(Duration.ofSeconds(30)));

        assertThatThrownBy(() -> http.timeout(Duration.ofMillis(500)).post("{\"name\":\"teacher:5\"}"))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(simulator.liveKeysNamed("teacher:5")).hasSize(1);
    }

    @Test
    void droppedConnectionCreatesNoKey() {
        simulator.enqueueCreateFaults(Fault.dropConnection());

        assertThatThrownBy(() -> http.post("{\"name\":\"teacher:5\"}")).isInstanceOf(IOException.class);
        assertThat(simulator.liveKeys()).isEmpty();
        assertThat(simulator.count("POST", "/api/v1/keys")).isEqualTo(1);
    }

    @Test
    void malformedBodyCreatesTheKey() throws IOException {
        simulator.enqueueCreateFaults(Fault.malformedBody());

        HttpResponse<String> response = http.post("{\"name\":\"teacher:5\"}");

        assertThat(response.statusCode()).isEqualTo(201);
        assertThatThrownBy(() -> SimHttp.JSON.readTree(response.body())).isInstanceOf(IOException.class);
        assertThat(simulator.liveKeysNamed("teacher:5")).hasSize(1);
        assertThat(response.body()).doesNotContain(simulator.liveKeys().get(0).secret());
    }

    @Test
    void randomFaultsRepeatForTheSameSeed() throws IOException {
        simulator.setRandomCreateFaults(0.5, 0, 42);
        List<Integer> first = statusesOfCreates(30);
        simulator.reset();
        simulator.setRandomCreateFaults(0.5, 0, 42);

        assertThat(statusesOfCreates(30)).isEqualTo(first).contains(500, 201);
    }

    @Test
    void recordsEveryRequestButNoCredential() throws IOException {
        http.post("{\"name\":\"teacher:1\"}");
        http.get("/keys?offset=100&include_disabled=true");

        assertThat(simulator.requests())
                .extracting(SimRequest::method, SimRequest::path, SimRequest::query, SimRequest::body)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/keys", null, "{\"name\":\"teacher:1\"}"),
                        org.assertj.core.groups.Tuple.tuple(
                                "GET", "/api/v1/keys", "offset=100&include_disabled=true", ""));
        assertThat(simulator.requests().toString()).doesNotContain(simulator.managementKey());
        assertThat(simulator.count("GET", "/api/v1/keys")).isEqualTo(1);
    }

    @Test
    void keyToStringHidesTheSecret() throws IOException {
        String secret = http.create("teacher:1").get("key").asText();

        assertThat(simulator.liveKeys().get(0).secret()).isEqualTo(secret);
        assertThat(simulator.liveKeys().toString()).doesNotContain(secret).contains("teacher:1");
    }

    @Test
    void servesConcurrentCreatesWithoutLosingAny() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<JsonNode>> futures = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String name = "teacher:" + i;
                futures.add(pool.submit(() -> http.create(name)));
            }
            for (Future<JsonNode> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(simulator.liveKeys()).hasSize(400);
        assertThat(simulator.liveKeys().stream().map(SimKey::hash).distinct()).hasSize(400);
        assertThat(simulator.count("POST", "/api/v1/keys")).isEqualTo(400);
    }

    @Test
    void resetForgetsKeysRequestsAndFaults() throws IOException {
        http.create("teacher:1");
        simulator.enqueueCreateFaults(Fault.status(500));

        simulator.reset();

        assertThat(simulator.liveKeys()).isEmpty();
        assertThat(simulator.requests()).isEmpty();
        assertThat(http.post("{\"name\":\"teacher:2\"}").statusCode()).isEqualTo(201);
    }

    private List<Integer> statusesOfCreates(int n) throws IOException {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            statuses.add(http.post("{\"name\":\"teacher:" + i + "\"}").statusCode());
        }
        return statuses;
    }

    private static List<String> names(HttpResponse<String> response) {
        return StreamSupport.stream(SimHttp.json(response).get("data").spliterator(), false)
                .map(k -> k.get("name").asText())
                .toList();
    }

    @Test
    void faultsForOneNameLeaveOtherNamesAlone() throws IOException {
        simulator.enqueueCreateFaultsFor("teacher:1", Fault.status(500), Fault.status(502));
        simulator.failCreatesFor("teacher:2", Fault.status(400));

        assertThat(http.post("{\"name\":\"teacher:3\"}").statusCode()).isEqualTo(201);
        assertThat(http.post("{\"name\":\"teacher:1\"}").statusCode()).isEqualTo(500);
        assertThat(http.post("{\"name\":\"teacher:2\"}").statusCode()).isEqualTo(400);
        assertThat(http.post("{\"name\":\"teacher:1\"}").statusCode()).isEqualTo(502);
        assertThat(http.post("{\"name\":\"teacher:1\"}").statusCode()).isEqualTo(201);
        assertThat(http.post("{\"name\":\"teacher:2\"}").statusCode()).isEqualTo(400);
        simulator.failCreatesFor("teacher:2", null);
        assertThat(http.post("{\"name\":\"teacher:2\"}").statusCode()).isEqualTo(201);
        assertThat(simulator.liveKeys())
                .extracting(SimKey::name)
                .containsExactlyInAnyOrder("teacher:3", "teacher:1", "teacher:2");
    }
}
