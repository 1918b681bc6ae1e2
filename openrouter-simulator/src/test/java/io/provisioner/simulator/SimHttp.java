package io.provisioner.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain JDK HTTP client for talking to a simulator in tests. */
final class SimHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final OpenRouterSimulator simulator;
    private String bearer;
    private Duration timeout = Duration.ofSeconds(10);

    SimHttp(OpenRouterSimulator simulator) {
        this.simulator = simulator;
        this.bearer = simulator.managementKey();
    }

    SimHttp bearer(String bearer) {
        this.bearer = bearer;
        return this;
    }

    SimHttp timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Sends the request; {@code pathAndQuery} is below the base URL, e.g. {@code /keys?offset=100}. */
    HttpResponse<String> send(String method, String pathAndQuery, String body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(simulator.baseUrl() + pathAndQuery))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException {
        return send("GET", pathAndQuery, null);
    }

    HttpResponse<String> post(String body) throws IOException {
        return send("POST", "/keys", body);
    }

    /** Creates a key named {@code name} and answers the 201's JSON. */
    JsonNode create(String name) throws IOException {
        HttpResponse<String> response = post("{\"name\":\"" + name + "\",\"limit\":50,\"limit_reset\":\"daily\"}");
        if (response.statusCode() != 201) {
            throw new AssertionError("create answered " + response.statusCode() + ": " + response.body());
        }
        return json(response);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
