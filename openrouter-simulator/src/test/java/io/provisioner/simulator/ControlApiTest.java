package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The control API over HTTP, as a benchmark in another process uses it. */
class ControlApiTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private OpenRouterSimulator simulator;

    @AfterEach
    void stop() {
        simulator.close();
    }

    private HttpResponse<String> control(String method, String pathAndQuery) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(simulator.controlUrl() + pathAndQuery))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void offByDefault() throws Exception {
        simulator = OpenRouterSimulator.start();
        new SimHttp(simulator).create("teacher:1");

        // the key API's answer to a request without a bearer: nothing there listens
        assertThat(control("POST", "/reset").statusCode()).isEqualTo(401);
        assertThat(simulator.liveKeys()).hasSize(1);
    }

    @Test
    void dumpsEveryAnsweredCallWithItsStatusAndArrivalAndResetsAndIsNotRecordedItself() throws Exception {
        simulator = OpenRouterSimulator.start().enableControlApi();
        SimHttp http = new SimHttp(simulator);
        http.create("teacher:1");
        http.bearer("wrong").get("/keys");

        HttpResponse<String> dump = control("GET", "/calls");

        assertThat(dump.statusCode()).isEqualTo(200);
        List<SimCall> calls =
                Arrays.stream(dump.body().split("\n")).map(SimCall::fromLine).toList();
        assertThat(calls)
                .extracting(SimCall::method, SimCall::path, SimCall::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("POST", "/api/v1/keys", 201),
                        org.assertj.core.groups.Tuple.tuple("GET", "/api/v1/keys", 401));
        assertThat(calls.get(0).at()).isBeforeOrEqualTo(calls.get(1).at());
        assertThat(control("GET", "/calls?from=1").body().split("\n")).hasSize(1);

        assertThat(control("POST", "/reset").statusCode()).isEqualTo(204);
        assertThat(control("GET", "/calls").body()).isEmpty();
        assertThat(simulator.liveKeys()).isEmpty();
    }

    @Test
    void setsLatencyAndTheAllowedRate() throws Exception {
        simulator = OpenRouterSimulator.start().enableControlApi();
        SimHttp http = new SimHttp(simulator);

        assertThat(control("POST", "/latency?ms=300").statusCode()).isEqualTo(204);
        long t0 = System.nanoTime();
        http.get("/keys");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(control("POST", "/latency?ms=0").statusCode()).isEqualTo(204);

        assertThat(control("POST", "/allow-rate?per-second=1").statusCode()).isEqualTo(204);
        assertThat(http.get("/keys").statusCode()).isEqualTo(200);
        assertThat(http.get("/keys").statusCode()).isEqualTo(429);
        assertThat(control("GET", "/calls").body()).contains("GET /api/v1/keys 429 ");

        assertThat(control("POST", "/allow-rate?per-second=0").statusCode()).isEqualTo(204);
        assertThat(http.get("/keys").statusCode()).isEqualTo(200);
    }

    @Test
    void spendAddsToAKeysUsageAndRefusesAnUnknownKeyOrABadAmount() throws Exception {
        simulator = OpenRouterSimulator.start().enableControlApi();
        SimHttp http = new SimHttp(simulator);
        String hash = http.create("teacher:1").get("data").get("hash").asText();

        assertThat(control("POST", "/spend?hash=" + hash + "&usd=2.5").statusCode())
                .isEqualTo(204);
        assertThat(control("POST", "/spend?hash=" + hash + "&usd=0.25").statusCode())
                .isEqualTo(204);

        assertThat(SimHttp.json(http.get("/keys/" + hash))
                        .get("data")
                        .get("usage_daily")
                        .decimalValue())
                .isEqualByComparingTo("2.75");
        assertThat(control("POST", "/spend?hash=nope&usd=1").statusCode()).isEqualTo(404);
        HttpResponse<String> negative = control("POST", "/spend?hash=" + hash + "&usd=-1");
        assertThat(negative.statusCode()).isEqualTo(400);
        assertThat(negative.body()).contains("'usd'").contains("'-1'");
        assertThat(control("GET", "/spend?hash=" + hash + "&usd=1").statusCode())
                .isEqualTo(405);
    }

    @Test
    void aBadParameterIs400AndAnUnknownOperation404AndAWrongMethod405() throws Exception {
        simulator = OpenRouterSimulator.start().enableControlApi();

        assertThat(control("POST", "/latency?ms=abc").statusCode()).isEqualTo(400);
        assertThat(control("POST", "/latency?ms=abc").body())
                .contains("parameter 'ms' must be a whole number of milliseconds, was 'abc'");
        assertThat(control("POST", "/latency?ms=-5").statusCode()).isEqualTo(400);
        assertThat(control("POST", "/latency?ms=-5").body()).contains("'ms'").contains("'-5'");
        assertThat(control("POST", "/latency").statusCode()).isEqualTo(400);
        for (String rate : List.of("-1", "NaN", "Infinity", "x")) {
            HttpResponse<String> r = control("POST", "/allow-rate?per-second=" + rate);
            assertThat(r.statusCode()).as(rate).isEqualTo(400);
            assertThat(r.body()).as(rate).contains("'per-second'").contains("'" + rate + "'");
        }
        HttpResponse<String> from = control("GET", "/calls?from=abc");
        assertThat(from.statusCode()).isEqualTo(400);
        assertThat(from.body()).contains("parameter 'from' must be a whole number, was 'abc'");
        assertThat(control("POST", "/nothing").statusCode()).isEqualTo(404);
        assertThat(control("GET", "/reset").statusCode()).isEqualTo(405);
    }

    @Test
    void aCallThatArrivedBeforeAResetIsNotRecordedAfterIt() throws Exception {
        simulator = OpenRouterSimulator.start().enableControlApi();
        SimHttp http = new SimHttp(simulator);
        assertThat(control("POST", "/latency?ms=1000").statusCode()).isEqualTo(204);

        java.util.concurrent.CompletableFuture<HttpResponse<String>> slow =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return http.get("/keys");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        while (simulator.requests().isEmpty()) {
            Thread.sleep(10);
        }
        assertThat(control("POST", "/reset").statusCode()).isEqualTo(204);
        assertThat(slow.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode())
                .isEqualTo(200);

        assertThat(control("GET", "/calls").body()).isEmpty();
    }
}
