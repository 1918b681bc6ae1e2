package io.provisioner.openrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.OpenRouterSimulator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** No exception message, toString or stack trace carries the management key or a created key. */
class NoSecretLeakTest {
    static final String MANAGEMENT_KEY = "sk-or-v1-" + "ab12".repeat(16);
    static final String ECHOED_SECRET = "sk-or-v1-" + "cd34".repeat(16);
    static final KeyLimits LIMITS = new KeyLimits(BigDecimal.TEN, LimitReset.DAILY);

    private OpenRouterSimulator simulator;
    private OpenRouterClient client;
    private final List<Throwable> failures = new ArrayList<>();
    private final List<String> secrets = new ArrayList<>(List.of(MANAGEMENT_KEY, ECHOED_SECRET));

    @BeforeEach
    void start() {
        simulator = OpenRouterSimulator.start("127.0.0.1", 0, MANAGEMENT_KEY);
        client = client(simulator.baseUrl(), MANAGEMENT_KEY, Duration.ofMillis(700));
    }

    @AfterEach
    void stop() {
        client.close();
        simulator.close();
    }

    @Test
    void failuresAgainstTheSimulatorCarryNoSecret() {
        CreatedKey created = client.create("organization:1", LIMITS);
        secrets.add(created.key().reveal());
        simulator.enqueueCreateFaults(
                Fault.status(500),
                Fault.status(400),
                Fault.rateLimited(Duration.ofSeconds(3)),
                Fault.malformedBody(),
                Fault.dropConnection(),
                Fault.timeoutAfterCreate(Duration.ofSeconds(10)));
        for (int i = 0; i < 6; i++) {
            collect(() -> client.create("organization:2", LIMITS));
        }
        simulator.setAcceptedManagementKey("sk-or-v1-" + "ef56".repeat(16));
        collect(client::verifyCredentials);
        simulator.liveKeys().forEach(k -> secrets.add(k.secret()));

        assertThat(failures).hasSize(7).allSatisfy(this::carriesNoSecret);
        assertThat(created.toString()).doesNotContain(created.key().reveal());
    }

    @Test
    void errorBodiesThatEchoSecretsAreScrubbed() throws IOException {
        String leaky =
                "{\"error\":{\"code\":400,\"message\":\"bad " + ECHOED_SECRET + " from " + MANAGEMENT_KEY + "\"}}";
        collect(() -> against(400, leaky).create("organization:1", LIMITS));
        collect(() -> against(500, "<html>" + ECHOED_SECRET + " " + MANAGEMENT_KEY + "</html>")
                .list(0, true));
        collect(() -> against(201, "{\"key\":\"" + ECHOED_SECRET + "\"}").create("organization:1", LIMITS));
        collect(() -> against(201, "{\"data\":{\"hash\":\"h\"},\"key\":\"" + ECHOED_SECRET)
                .create("o:1", LIMITS));

        assertThat(failures).hasSize(4).allSatisfy(this::carriesNoSecret);
        assertThat(failures.get(0).getMessage()).contains("answered 400: bad sk-or-v1-***");
    }

    private OpenRouterClient against(int status, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        servers.add(server);
        return opened(client(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1",
                MANAGEMENT_KEY,
                Duration.ofSeconds(5)));
    }

    private final List<HttpServer> servers = new ArrayList<>();
    private final List<OpenRouterClient> clients = new ArrayList<>();

    private OpenRouterClient opened(OpenRouterClient scripted) {
        clients.add(scripted);
        return scripted;
    }

    @AfterEach
    void stopServers() {
        clients.forEach(OpenRouterClient::close);
        servers.forEach(s -> s.stop(0));
    }

    private void collect(Executable call) {
        Throwable thrown = catchThrowable(() -> call.execute());
        assertThat(thrown).isInstanceOf(ProvisioningException.class);
        failures.add(thrown);
    }

    private void carriesNoSecret(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        StringBuilder text = new StringBuilder(trace.toString());
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append('\n').append(t).append('\n').append(t.getMessage());
        }
        for (String secret : secrets) {
            assertThat(text.toString())
                    .as("failure %s", failure.getClass().getSimpleName())
                    .doesNotContain(secret);
        }
    }

    private static OpenRouterClient client(String base, String key, Duration timeout) {
        return new OpenRouterClient(URI.create(base), new Secret(key), timeout, CallListener.NONE, Clock.systemUTC());
    }
}
