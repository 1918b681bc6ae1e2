package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.OpsHttpServer;
import io.provisioner.runtime.Pipeline;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kubernetes' probes on a real pipeline (broker, Postgres, simulator over HTTP): {@code /health/ready}
 * follows {@code /health}, {@code /health/live} turns 503 only when a restart is what helps.
 */
@ExtendWith(SharedInfra.class)
class ProbesIT {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void aRejectedManagementKeyMakesThePodUnreadyButLeavesItLive(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pipeline pipeline = f.start(EnumSet.of(Components.CDC, Components.PROVISIONER), registry);
            try (OpsHttpServer ops =
                    new OpsHttpServer("127.0.0.1", 0, registry, pipeline::health, pipeline::liveness)) {
                await().atMost(WAIT).until(() -> status(ops, "/health/ready") == 200);
                String key = f.simulator.managementKey();
                f.simulator.setAcceptedManagementKey("another-key");
                f.insertTeacher();

                await().atMost(WAIT).until(() -> status(ops, "/health/ready") == 503);
                HttpResponse<String> live = Scrape.get(ops.port(), "/health/live");
                assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
                assertThat(Scrape.get(ops.port(), "/health/ready").body())
                        .contains("rejects the management key")
                        .doesNotContain(key);

                f.simulator.setAcceptedManagementKey(key);
                await().atMost(WAIT).until(() -> status(ops, "/health/ready") == 200);
                await().atMost(WAIT).until(() -> f.activeKeys() == 1);
                assertThat(status(ops, "/health/live")).isEqualTo(200);
            }
        }
    }

    /**
     * An operator deletes the requests topic under a running instance: every replacement stream thread
     * fails again, the client gives up ({@code ERROR}) and only a restart, which creates the topics again,
     * brings it back. That is what a liveness probe is for.
     */
    @Test
    void aStreamsClientThatGaveUpIsNotLive(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_PARTITIONS", "1");
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pipeline pipeline = f.start(EnumSet.of(Components.PROVISIONER), registry);
            try (OpsHttpServer ops = new OpsHttpServer("127.0.0.1", 0, registry, pipeline::health, pipeline::liveness);
                    Admin admin = Admin.create(
                            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
                await().atMost(WAIT).until(() -> status(ops, "/health/ready") == 200);
                assertThat(status(ops, "/health/live")).isEqualTo(200);

                admin.deleteTopics(List.of(f.config().topics().requests().name()))
                        .all()
                        .get();

                // the dying stream threads are the point here: their exceptions must not fail the wait
                await().dontCatchUncaughtExceptions()
                        .atMost(Duration.ofMinutes(3))
                        .until(() -> status(ops, "/health/live") == 503);
                assertThat(Scrape.get(ops.port(), "/health/live").body())
                        .contains("\"provisioner\":{\"status\":\"DOWN\"", "ERROR");
                assertThat(status(ops, "/health/ready")).isEqualTo(503);
            }
        }
    }

    private static int status(OpsHttpServer ops, String path) throws Exception {
        return Scrape.get(ops.port(), path).statusCode();
    }
}
