package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code provisioner run} as operators run it: the packaged jar in its own process, watched over HTTP, stopped by SIGTERM. */
@ExtendWith(SharedInfra.class)
class RunCommandIT {

    @TempDir
    Path dir;

    @Test
    void runServesHealthAndMetricsAndStopsGracefullyOnSigterm(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            f.env.put("PROVISIONER_HTTP_PORT", Integer.toString(port));
            Path jar = Files.copy(Path.of("target", "provisioner.jar"), dir.resolve("provisioner.jar"));
            ChaosProcess run = new ChaosProcess(jar, "run", "cdc,provisioner,retry", f.env, dir);
            run.start();
            try {
                await().atMost(Duration.ofMinutes(2)).until(() -> run.loggedSinceStart("running [") || !run.alive());
                assertThat(run.alive()).as(run.tail(40)).isTrue();

                f.insertOwners(3);
                await().atMost(Duration.ofMinutes(1)).until(() -> f.activeKeys() == 3);

                HttpResponse<String> health = get(port, "/health");
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"status\":\"UP\"", "\"cdc\"", "\"provisioner\"", "\"retry\"");
                HttpResponse<String> metrics = get(port, "/metrics");
                assertThat(metrics.body())
                        .contains("provisioner_keys_provisioned_total 3.0")
                        .contains("provisioner_api_calls_total{endpoint=\"/keys\",method=\"POST\",status=\"201\"} 3.0")
                        .doesNotContain(f.simulator.liveKeys().get(0).secret());
            } finally {
                run.close(); // SIGTERM, then SIGKILL (exit code 137) if it has not stopped within 40 s
                assertThat(run.exitCode()).as(run.tail(40)).isEqualTo(143); // 128 + SIGTERM: stopped by its hooks
                assertThat(run.readLog()).contains("shutting down").contains("retry scheduler stopped");
            }
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
