package io.provisioner.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's control API, for a benchmark or test in another process; served only once
 * {@link OpenRouterSimulator#enableControlApi()} is called, outside the key API's {@code /api/v1}:
 *
 * <ul>
 *   <li>{@code POST /_control/reset}: {@link OpenRouterSimulator#reset()};
 *   <li>{@code POST /_control/latency?ms=N}: {@link OpenRouterSimulator#setLatency};
 *   <li>{@code POST /_control/allow-rate?per-second=X}: {@link OpenRouterSimulator#allowRate(double)} (0:
 *       unlimited; negative, NaN or infinite: 400);
 *   <li>{@code POST /_control/spend?hash=H&usd=X}: {@link OpenRouterSimulator#spend} (404 for an unknown
 *       key, 400 for an amount that is not a non-negative number);
 *   <li>{@code GET /_control/calls[?from=N]}: {@link OpenRouterSimulator#calls()} from the N-th on, as text,
 *       one {@link SimCall#toLine()} a line.
 * </ul>
 *
 * Each answers 204 (the dump 200), 400 for a bad parameter, 404 or 405 otherwise. Its own requests are not
 * recorded.
 */
final class ControlApi implements HttpHandler {
    static final String PREFIX = "/_control";
    private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);

    private final OpenRouterSimulator simulator;

    ControlApi(OpenRouterSimulator simulator) {
        this.simulator = simulator;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String op = path.startsWith(PREFIX + "/") ? path.substring(PREFIX.length() + 1) : "";
            boolean post = exchange.getRequestMethod().equals("POST");
            boolean get = exchange.getRequestMethod().equals("GET");
            try {
                switch (op) {
                    case "reset" -> {
                        if (!post) {
                            text(exchange, 405, "POST only");
                            return;
                        }
                        simulator.reset();
                        done(exchange);
                    }
                    case "latency" -> {
                        if (!post) {
                            text(exchange, 405, "POST only");
                            return;
                        }
                        simulator.setLatency(Duration.ofMillis(wholeNumber("ms", required(query, "ms"))));
                        done(exchange);
                    }
                    case "allow-rate" -> {
                        if (!post) {
                            text(exchange, 405, "POST only");
                            return;
                        }
                        simulator.allowRate(rate(required(query, "per-second")));
                        done(exchange);
                    }
                    case "spend" -> {
                        if (!post) {
                            text(exchange, 405, "POST only");
                            return;
                        }
                        if (simulator
                                .spend(required(query, "hash"), usd(required(query, "usd")))
                                .isEmpty()) {
                            text(exchange, 404, "no live key has this hash");
                            return;
                        }
                        done(exchange);
                    }
                    case "calls" -> {
                        if (!get) {
                            text(exchange, 405, "GET only");
                            return;
                        }
                        dump(exchange, (int)
                                Math.min(Integer.MAX_VALUE, wholeNumber("from", query.getOrDefault("from", "0"))));
                    }
                    default -> text(exchange, 404, "unknown control operation '" + op + "'");
                }
            } catch (IllegalArgumentException e) {
                text(exchange, 400, e.getMessage());
            }
        } catch (IOException e) {
            LOG.debug("control exchange ended early: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("simulator control API failed", e);
        }
    }

    private static String required(Map<String, String> query, String name) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("parameter '" + name + "' is required");
        }
        return v;
    }

    /**
     * {@code value} of parameter {@code name} as a whole number, zero or more.
     *
     * @throws IllegalArgumentException naming the parameter and the value, otherwise
     */
    private static long wholeNumber(String name, String value) {
        String unit = name.equals("ms") ? " of milliseconds" : "";
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "' must be a whole number" + unit + ", was '" + value + "'");
        }
        if (n < 0) {
            throw new IllegalArgumentException(
                    "parameter '" + name + "' must be zero or more" + unit + ", was '" + value + "'");
        }
        return n;
    }

    /** {@code per-second}: calls a second, finite and zero or more, 0 for unlimited. */
    private static double rate(String value) {
        double rate;
        try {
            rate = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            rate = Double.NaN;
        }
        if (!Double.isFinite(rate) || rate < 0) {
            throw new IllegalArgumentException("parameter 'per-second' must be a number of calls a second, zero"
                    + " (unlimited) or more, was '" + value + "'");
        }
        return rate;
    }

    /** {@code usd}: US dollars, a decimal number, zero or more. */
    private static java.math.BigDecimal usd(String value) {
        try {
            java.math.BigDecimal usd = new java.math.BigDecimal(value);
            if (usd.signum() >= 0) {
                return usd;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "parameter 'usd' must be a number of US dollars, zero or more, was '" + value + "'");
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return out;
    }

    private void dump(HttpExchange exchange, int from) throws IOException {
        List<SimCall> calls = simulator.calls();
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        try (Writer out = new BufferedWriter(
                new OutputStreamWriter(exchange.getResponseBody(), StandardCharsets.UTF_8), 1 << 16)) {
            for (int i = Math.max(0, from); i < calls.size(); i++) {
                out.write(calls.get(i).toLine());
                out.write('\n');
            }
        }
    }

    private static void done(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(204, -1);
    }

    private static void text(HttpExchange exchange, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
