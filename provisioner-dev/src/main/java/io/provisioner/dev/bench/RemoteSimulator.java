package io.provisioner.dev.bench;

import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.simulator.SimCall;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The simulator in a process of its own ({@code java -jar provisioner-dev.jar simulator --port 0 --control}),
 * driven through its control API.
 */
final class RemoteSimulator implements SimulatorControl {
    private static final String BASE_URL = "OPENROUTER_BASE_URL";

    private final Child child;
    private final String baseUrl;
    private final String controlUrl;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private RemoteSimulator(Child child, String baseUrl) {
        this.child = child;
        this.baseUrl = baseUrl;
        this.controlUrl = controlUrl(baseUrl);
    }

    /** Starts it and waits until it prints its control API's address. */
    static RemoteSimulator start(Path devJar, Path log) throws IOException, InterruptedException {
        Child child = Child.start(
                "simulator", List.of(), devJar, List.of("simulator", "--port", "0", "--control"), Map.of(), log);
        try {
            List<String> lines = child.awaitLine(l -> l.contains("control API:"), Duration.ofMinutes(1));
            String url =
                    ChildOutput.required("simulator", lines, Set.of(BASE_URL)).get(BASE_URL);
            return new RemoteSimulator(child, url);
        } catch (RuntimeException | InterruptedException e) {
            child.close();
            throw e;
        }
    }

    /** {@code http://host:port/api/v1} to {@code http://host:port/_control}. */
    static String controlUrl(String baseUrl) {
        URI u = URI.create(baseUrl);
        return u.getScheme() + "://" + u.getRawAuthority() + "/_control";
    }

    @Override
    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public String managementKey() {
        return OpenRouterSimulator.DEFAULT_MANAGEMENT_KEY;
    }

    @Override
    public void reset() throws IOException, InterruptedException {
        post("/reset");
    }

    @Override
    public void setLatency(Duration latency) throws IOException, InterruptedException {
        post("/latency?ms=" + latency.toMillis());
    }

    @Override
    public void allowRate(double perSecond) throws IOException, InterruptedException {
        post("/allow-rate?per-second=" + String.format(Locale.ROOT, "%s", perSecond));
    }

    @Override
    public List<SimCall> calls() throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> r = http.send(
                HttpRequest.newBuilder(URI.create(controlUrl + "/calls"))
                        .timeout(Duration.ofMinutes(1))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            throw new IOException("simulator control API: GET /calls answered " + r.statusCode());
        }
        try (java.util.stream.Stream<String> lines = r.body()) {
            return lines.filter(l -> !l.isBlank()).map(SimCall::fromLine).toList();
        }
    }

    private void post(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(controlUrl + pathAndQuery))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IOException(
                    "simulator control API: POST " + pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    @Override
    public String describe() {
        return "a process of its own (simulator --control, pid " + child.pid() + "), 20 ms per answer unless stated";
    }

    /** Its log's tail, for a failure report. */
    String tail(int n) {
        return child.tail(n);
    }

    @Override
    public void close() {
        child.close();
    }
}
