package io.provisioner.runtime;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code /metrics} (Prometheus text), {@code /health} and {@code /health/ready} (JSON; 200 when every
 * component is up, 503 otherwise; a throttled component is up, with {@code "throttled":true} and its
 * {@code "throttled_until"}) and {@code /health/live} (JSON; 503 only while a component is stuck) on
 * {@code PROVISIONER_HTTP_BIND:PROVISIONER_HTTP_PORT}. A client cannot hold the port
 * hostage: requests are read without a thread (Jetty's selector), answered by a small pool, a connection
 * that sends nothing for {@link #READ_TIMEOUT} is closed, and a request head over
 * {@link #MAX_REQUEST_HEADER_BYTES} is answered 431. Thread-safe; close once.
 */
public final class OpsHttpServer implements AutoCloseable {

    /** A connection that sends (or takes) nothing for this long is closed, a half-sent request too. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** Longest request line plus headers; a longer one is answered 431 and its connection closed. */
    static final int MAX_REQUEST_HEADER_BYTES = 8 * 1024;

    /** Threads that answer requests; stalled clients hold none of them. */
    static final int MAX_THREADS = 8;

    private final Server server;
    private final ServerConnector connector;

    /**
     * @param health per component, healthy or not: {@code /health} and {@code /health/ready}
     * @param liveness per component, live or stuck: {@code /health/live}
     */
    public OpsHttpServer(
            String bind,
            int port,
            PrometheusMeterRegistry registry,
            Supplier<Map<String, Pipeline.Health>> health,
            Supplier<Map<String, Pipeline.Health>> liveness)
            throws IOException {
        this(bind, port, registry, health, liveness, READ_TIMEOUT);
    }

    /** An ops server whose {@code /health/live} answers 200 while it answers at all. */
    public OpsHttpServer(
            String bind, int port, PrometheusMeterRegistry registry, Supplier<Map<String, Pipeline.Health>> health)
            throws IOException {
        this(bind, port, registry, health, Map::of, READ_TIMEOUT);
    }

    /** @param readTimeout how long a connection may stay silent before it is closed (shorter in tests) */
    OpsHttpServer(
            String bind,
            int port,
            PrometheusMeterRegistry registry,
            Supplier<Map<String, Pipeline.Health>> health,
            Supplier<Map<String, Pipeline.Health>> liveness,
            Duration readTimeout)
            throws IOException {
        Route ready = ex -> verdict(ex, health.get());
        Map<String, Route> routes = Map.of(
                "/metrics",
                ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()),
                "/health",
                ready,
                "/health/ready",
                ready,
                "/health/live",
                ex -> verdict(ex, liveness.get()));
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("ops-http");
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(MAX_REQUEST_HEADER_BYTES);
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(bind);
        connector.setPort(port);
        connector.setIdleTimeout(readTimeout.toMillis());
        server.addConnector(connector);
        server.setHandler(new Router(routes));
        server.setStopTimeout(0);
        start();
    }

    /** 200 when every component is up, else 503; the JSON names each component's state. */
    private static void verdict(Exchange ex, Map<String, Pipeline.Health> h) {
        boolean up = h.values().stream().allMatch(Pipeline.Health::up);
        respond(ex, up ? 200 : 503, "application/json", healthJson(up, h));
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

    private static void respond(Exchange ex, int status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.response().setStatus(status);
        ex.response().getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        ex.response().getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        ex.response().write(true, ByteBuffer.wrap(bytes), ex.callback());
    }

    private void start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("cannot serve /metrics and /health: " + e.getMessage(), e);
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping a server that failed to start, or twice: nothing is left to release
        }
    }

    /** One request being answered. */
    private record Exchange(Response response, Callback callback) {}

    @FunctionalInterface
    private interface Route {
        void handle(Exchange ex);
    }

    /** Exact paths to their route; anything else is 404. */
    private static final class Router extends Handler.Abstract {
        private final Map<String, Route> routes;

        Router(Map<String, Route> routes) {
            this.routes = routes;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Route route = routes.get(Request.getPathInContext(request));
            if (route == null) {
                Response.writeError(request, response, callback, 404);
            } else {
                route.handle(new Exchange(response, callback));
            }
            return true;
        }
    }
}
