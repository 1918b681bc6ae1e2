package io.provisioner.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpsHttpServerTest {

    /** Long enough for a healthy answer on a busy machine; a server held hostage fails the test instead of hanging it. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(ANSWER_TIMEOUT)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static final Map<String, Pipeline.Health> ALL_UP =
            Map.of("database", new Pipeline.Health(true, "reachable"));

    @Test
    void answersWhileThirtyClientsHoldHalfARequestAndClosesThemAfterTheReadTimeout() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("provisioner.keys.provisioned").register(registry).increment();
        List<Socket> stalled = new ArrayList<>();
        try (OpsHttpServer server =
                new OpsHttpServer("127.0.0.1", 0, registry, () -> ALL_UP, Map::of, Duration.ofSeconds(4))) {
            for (int i = 0; i < 32; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                stalled.add(s);
                OutputStream out = s.getOutputStream();
                out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }

            HttpResponse<String> health = get(server.port(), "/health");
            HttpResponse<String> metrics = get(server.port(), "/metrics");

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            assertThat(metrics.body()).contains("provisioner_keys_provisioned_total 1.0");
            for (Socket s : stalled) {
                assertThat(stillOpen(s))
                        .as("a half-sent request is still held while others are answered")
                        .isTrue();
            }
            for (Socket s : stalled) {
                assertThat(closedByServer(s))
                        .as("a half-sent request is closed after the read timeout")
                        .isTrue();
            }
            assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void rejectsAnOversizedRequestAndKeepsServing() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (OpsHttpServer server = new OpsHttpServer("127.0.0.1", 0, registry, () -> ALL_UP)) {
            String statusLine;
            try {
                statusLine = statusLine(
                        server,
                        "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(256 * 1024) + "\r\n\r\n");
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                statusLine = null; // closed on us mid-request: rejected as well
            }

            assertThat(statusLine)
                    .as("answered 431 or closed, not served")
                    .satisfiesAnyOf(
                            l -> assertThat(l).isNull(), l -> assertThat(l).contains(" 431 "));
            assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
        }
    }

    /** What the image's HEALTHCHECK sends: HTTP/1.0, no Host header; it wants 200 as the second word. */
    @Test
    void answersTheImagesHealthCheck() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (OpsHttpServer server = new OpsHttpServer("127.0.0.1", 0, registry, () -> ALL_UP)) {
            String statusLine = statusLine(server, "GET /health HTTP/1.0\r\n\r\n");

            assertThat(statusLine.split(" ")[1]).isEqualTo("200");
        }
    }

    /** Sends {@code request} as it is on a new connection; the first line of the answer, null when closed. */
    private static String statusLine(OpsHttpServer server, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    /** True when nothing came back and the connection is not closed (a read would wait). */
    private static boolean stillOpen(Socket s) throws IOException {
        s.setSoTimeout(1);
        try {
            s.getInputStream().read();
            return false; // an answer or the end of the stream: not held any more
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True when the server closes the connection (after an answer such as 408, or without one). */
    private static boolean closedByServer(Socket s) throws IOException {
        s.setSoTimeout((int) ANSWER_TIMEOUT.plusSeconds(5).toMillis());
        byte[] buf = new byte[1024];
        try {
            while (s.getInputStream().read(buf) >= 0) {
                // an error answer before the close is fine
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void healthIsDownWithTheReasonWhenAnyComponentIsDown() throws Exception {
        Map<String, Pipeline.Health> health = new LinkedHashMap<>();
        health.put("cdc", new Pipeline.Health(true, "active"));
        health.put("provisioner", new Pipeline.Health(true, "UP"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (OpsHttpServer server = new OpsHttpServer("127.0.0.1", 0, registry, () -> health)) {
            HttpResponse<String> up = get(server.port(), "/health");
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).contains("\"status\":\"UP\"");

            health.put("provisioner", new Pipeline.Health(false, "OpenRouter rejects the management key: 401"));
            HttpResponse<String> down = get(server.port(), "/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body())
                    .contains("\"status\":\"DOWN\"", "rejects the management key", "\"cdc\":{\"status\":\"UP\"");
        }
    }

    @Test
    void readyFollowsHealthWhileLiveFollowsOnlyTheLiveness() throws Exception {
        Map<String, Pipeline.Health> health = new LinkedHashMap<>();
        health.put("provisioner", new Pipeline.Health(false, "OpenRouter rejects the management key: 401"));
        Map<String, Pipeline.Health> liveness = new LinkedHashMap<>();
        liveness.put("provisioner", new Pipeline.Health(true, "stream threads polling"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (OpsHttpServer server = new OpsHttpServer("127.0.0.1", 0, registry, () -> health, () -> liveness)) {
            assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(503);
            assertThat(get(server.port(), "/health/ready").body())
                    .isEqualTo(get(server.port(), "/health").body());
            assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(200);

            liveness.put("provisioner", new Pipeline.Health(false, "kafka streams ERROR"));
            HttpResponse<String> stuck = get(server.port(), "/health/live");
            assertThat(stuck.statusCode()).isEqualTo(503);
            assertThat(stuck.body()).contains("\"provisioner\":{\"status\":\"DOWN\"", "kafka streams ERROR");
        }
    }

    @Test
    void aThrottledComponentIsReportedWithItsEndAndIsStillHealthy() throws Exception {
        Instant until = Instant.parse("2026-12-04T22:00:30Z");
        Map<String, Pipeline.Health> health = Map.of("provisioner", new Pipeline.Health(true, "RUNNING", until));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (OpsHttpServer server = new OpsHttpServer("127.0.0.1", 0, registry, () -> health)) {
            HttpResponse<String> r = get(server.port(), "/health");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body())
                    .contains(
                            "\"provisioner\":{\"status\":\"UP\"",
                            "\"throttled\":true",
                            "\"throttled_until\":\"2026-12-04T22:00:30Z\"");
        }
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("provisioner.keys.provisioned").register(registry).increment(3);
        try (OpsHttpServer server = new OpsHttpServer("127.0.0.1", 0, registry, Map::of)) {
            HttpResponse<String> r = get(server.port(), "/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            // Prometheus' client drops a "_created" suffix, so no meter of ours may end in "created"
            assertThat(r.body()).contains("provisioner_keys_provisioned_total 3.0");
        }
    }
}
