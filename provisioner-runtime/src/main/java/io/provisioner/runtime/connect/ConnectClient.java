package io.provisioner.runtime.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the CDC connector's state from Kafka Connect's REST API ({@code CDC_CONNECT_URL}). The URL is
 * Connect's base URL, the connector then being {@value #DEFAULT_CONNECTOR} (the name
 * {@code deploy/connect/provisioner-cdc.json} gives it), or ends in {@code /connectors/<name>}. Only GETs,
 * each bounded by {@link #TIMEOUT}. Thread-safe.
 */
public final class ConnectClient {

    public static final String DEFAULT_CONNECTOR = "provisioner-cdc";
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String connector;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    public ConnectClient(String url) {
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        int at = u.lastIndexOf("/connectors/");
        if (at >= 0) {
            this.base = URI.create(u.substring(0, at));
            this.connector = u.substring(at + "/connectors/".length());
        } else {
            this.base = URI.create(u);
            this.connector = DEFAULT_CONNECTOR;
        }
    }

    public String connector() {
        return connector;
    }

    /** The connector's state now; {@code UNREACHABLE} or {@code MISSING} rather than an exception. */
    public ConnectorStatus status() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/connectors/" + connector + "/status"))
                .timeout(TIMEOUT)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return unreachable("Kafka Connect did not answer: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable("interrupted");
        }
        if (response.statusCode() == 404) {
            return new ConnectorStatus(connector, "MISSING", "Kafka Connect has no connector of that name", List.of());
        }
        if (response.statusCode() != 200) {
            return unreachable("Kafka Connect answered " + response.statusCode());
        }
        try {
            return parse(connector, JSON.readTree(response.body()));
        } catch (IOException | RuntimeException e) {
            return unreachable("Kafka Connect's answer is not a connector status");
        }
    }

    private ConnectorStatus unreachable(String why) {
        return new ConnectorStatus(connector, "UNREACHABLE", why, List.of());
    }

    static ConnectorStatus parse(String connector, JsonNode doc) {
        JsonNode c = doc.get("connector");
        String state = c.get("state").asText();
        String detail = "FAILED".equals(state)
                ? firstLine(c.path("trace").asText(null))
                : c.path("worker_id").asText(null);
        List<ConnectorStatus.Task> tasks = new ArrayList<>();
        for (JsonNode t : doc.path("tasks")) {
            tasks.add(new ConnectorStatus.Task(
                    t.path("id").asInt(),
                    t.path("state").asText(),
                    t.path("worker_id").asText(null),
                    firstLine(t.path("trace").asText(null))));
        }
        return new ConnectorStatus(connector, state, detail, tasks);
    }

    private static String firstLine(String trace) {
        if (trace == null || trace.isEmpty()) {
            return null;
        }
        int nl = trace.indexOf('\n');
        return nl < 0 ? trace : trace.substring(0, nl);
    }
}
