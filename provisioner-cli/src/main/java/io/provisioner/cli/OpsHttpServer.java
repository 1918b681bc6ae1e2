package io.provisioner.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code /metrics} (Prometheus text) and {@code /health} (JSON; 200 when every component is up, 503
 * otherwise; a throttled component is up, with {@code "throttled":true} and its {@code "throttled_until"}) on {@code PROVISIONER_HTTP_BIND:PROVISIONER_HTTP_PORT}.
 */
public final class OpsHttpServer implements AutoCloseable {

    private final HttpServer server;

    public OpsHttpServer(
            String bind, int port, PrometheusMeterRegistry registry, Supplier<Map<String, Pipeline.Health>> health)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext(
                "/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/health", ex -> {
            Map<String, Pipeline.Health> h = health.get();
            boolean up = h.values().stream().allMatch(Pipeline.Health::up);
            respond(ex, up ? 200 : 503, "application/json", healthJson(up, h));
        });
        server.start();
    }

    static String healthJson(boolean up, Map<String, Pipeline.Health> h) {
        String parts = h.entrySet().stream()
                .map(e ->
                        "\"" + e.getKey() + "\":{\"status\":\"" + (e.getValue().up() ? "UP" : "DOWN")
                                + "\",\"detail\":\"" + escape(e.getValue().detail()) + "\"" + throttled(e.getValue())
                                + "}")
                .collect(Collectors.joining(","));
        return "{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"components\":{" + parts + "}}";
    }

    /** A component that OpenRouter's Retry-After pauses is throttled, with the time that ends, and still UP. */
    private static String throttled(Pipeline.Health h) {
        return h.throttledUntil() == null
                ? ""
                : ",\"throttled\":true,\"throttled_until\":\"" + h.throttledUntil() + "\"";
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
