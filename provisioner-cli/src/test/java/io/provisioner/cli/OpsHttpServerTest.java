package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpsHttpServerTest {

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
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
