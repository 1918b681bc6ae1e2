package io.provisioner.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one exchange, records it, applies latency and authorization, and writes the route's reply.
 * Thread-safe: settings are volatile, the routes and the store synchronize themselves.
 */
final class SimHandler implements HttpHandler {
    static final String API_PREFIX = "/api/v1";
    private static final Logger LOG = LoggerFactory.getLogger(SimHandler.class);

    private final KeysRoutes routes;
    private final GuardrailRoutes guardrails;
    private final Consumer<SimRequest> recorder;
    private final Consumer<SimCall> answered;
    private final Clock clock;
    private final RateGate rateGate = new RateGate(System::nanoTime);
    private volatile Duration latency = Duration.ZERO;
    private volatile String acceptedKey;
    private volatile boolean forbidden;
    /** How many times {@link #reset} was called; guarded by {@code this}. */
    private long generation;

    SimHandler(
            KeysRoutes routes,
            GuardrailRoutes guardrails,
            Consumer<SimRequest> recorder,
            Consumer<SimCall> answered,
            Clock clock,
            String acceptedKey) {
        this.routes = routes;
        this.guardrails = guardrails;
        this.recorder = recorder;
        this.answered = answered;
        this.clock = clock;
        this.acceptedKey = acceptedKey;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            String method = exchange.getRequestMethod();
            URI uri = exchange.getRequestURI();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Instant at = clock.instant();
            long generation = arrive(new SimRequest(method, uri.getRawPath(), uri.getRawQuery(), body, at));
            Duration pause = latency;
            if (!pause.isZero()) {
                Thread.sleep(pause.toMillis());
            }
            Reply reply = authorize(exchange).or(rateGate::refuse).orElseGet(() -> route(method, uri, body));
            answer(
                    new SimCall(
                            method, uri.getRawPath(), reply instanceof Reply.Answer answer ? answer.status() : 0, at),
                    generation);
            send(exchange, reply);
            LOG.debug("{} {} -> {}", method, uri.getRawPath(), describe(reply));
        } catch (IOException e) {
            LOG.debug("exchange ended early: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("simulator failed to handle a request", e);
        }
    }

    private Optional<Reply> authorize(HttpExchange exchange) {
        if (forbidden) {
            return Optional.of(Reply.error(403, "Only management keys can perform this operation"));
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return Optional.of(Reply.error(401, "No auth credentials found"));
        }
        if (!header.substring("Bearer ".length()).equals(acceptedKey)) {
            return Optional.of(Reply.error(401, "User not found."));
        }
        return Optional.empty();
    }

    private Reply route(String method, URI uri, String body) {
        String path = uri.getRawPath();
        if (!path.startsWith(API_PREFIX + "/")) {
            return Reply.error(404, "Resource not found");
        }
        String below = path.substring(API_PREFIX.length());
        if (GuardrailRoutes.handles(below)) {
            return guardrails.route(method, below, uri.getRawQuery(), body);
        }
        return routes.route(method, below, uri.getRawQuery(), body);
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException, InterruptedException {
        if (reply instanceof Reply.Answer answer) {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            for (Map.Entry<String, String> header : answer.headers().entrySet()) {
                exchange.getResponseHeaders().set(header.getKey(), header.getValue());
            }
            exchange.sendResponseHeaders(answer.status(), answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        } else if (reply instanceof Reply.Hang hang) {
            Thread.sleep(hang.duration().toMillis());
        }
        // Hang and Drop end here without response headers: closing the exchange then closes the connection.
    }

    private static String describe(Reply reply) {
        if (reply instanceof Reply.Answer answer) {
            return Integer.toString(answer.status());
        }
        return reply instanceof Reply.Hang ? "hung up" : "dropped";
    }

    /** Records {@code request}; returns the generation it arrived in. */
    private synchronized long arrive(SimRequest request) {
        recorder.accept(request);
        return generation;
    }

    /** Records {@code call} unless it arrived before the last {@link #reset}, which cleared the record. */
    synchronized void answer(SimCall call, long arrivedIn) {
        if (arrivedIn == generation) {
            answered.accept(call);
        }
    }

    /**
     * Starts a new generation and runs {@code clear}, together: a call that arrived before then and ends
     * after is not recorded into the cleared record.
     */
    synchronized void reset(Runnable clear) {
        generation++;
        clear.run();
    }

    void setLatency(Duration latency) {
        if (latency == null || latency.isNegative()) {
            throw new IllegalArgumentException("latency must be zero or positive, was " + latency);
        }
        this.latency = latency;
    }

    void setAcceptedKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("management key must not be empty");
        }
        this.acceptedKey = key;
    }

    RateGate rateGate() {
        return rateGate;
    }

    String acceptedKey() {
        return acceptedKey;
    }

    void setForbidden(boolean forbidden) {
        this.forbidden = forbidden;
    }
}
