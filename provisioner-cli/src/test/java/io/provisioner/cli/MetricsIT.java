package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.core.events.Json;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.OpsHttpServer;
import io.provisioner.simulator.Fault;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.tools.consumer.group.KafkaDescribe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code /metrics} and {@code /health} of a real run (broker, Postgres, simulator over HTTP): every
 * series of the contract, the ones the shipped alert rules and dashboard query, and health following
 * the management key.
 */
@ExtendWith(SharedInfra.class)
class MetricsIT {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void aProvisioningRunServesEverySeriesTheAlertsAndTheDashboardUse(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            f.start(EnumSet.allOf(Components.class), registry);
            String retried = "teacher:" + UUID.randomUUID();
            String dead = "teacher:" + UUID.randomUUID();
            f.simulator.enqueueCreateFaultsFor(retried, Fault.status(500));
            f.simulator.failCreatesFor(dead, Fault.status(400));
            try (OpsHttpServer ops = new OpsHttpServer("127.0.0.1", 0, registry, f::health)) {
                insertTeacher(f, retried);
                insertTeacher(f, dead);
                f.insertOwners(3);
                await().atMost(WAIT)
                        .until(() -> f.activeKeys() == 4 && f.deadLetters().size() == 1);
                await().atMost(WAIT).until(() -> !Scrape.of(ops.port())
                        .find("provisioner_consumer_lag", "group", f.retryGroup())
                        .isEmpty());

                Scrape s = Scrape.of(ops.port());
                Files.writeString(Path.of("target", "metrics-sample.txt"), s.text());
                assertThat(s.sum("provisioner_requests_total", "outcome", "created"))
                        .isEqualTo(4);
                assertThat(s.sum("provisioner_requests_total", "outcome", "retried"))
                        .isEqualTo(1);
                assertThat(s.sum("provisioner_requests_total", "outcome", "dead"))
                        .isEqualTo(1);
                assertThat(s.find("provisioner_requests_total"))
                        .extracting(x -> x.labels().get("outcome"))
                        .contains("created", "unchanged", "updated", "revoked", "retried", "dead");
                assertThat(s.sum("provisioner_api_calls_total", "method", "POST", "status", "201"))
                        .isEqualTo(4);
                assertThat(s.sum("provisioner_api_calls_total", "method", "POST", "status", "500"))
                        .isEqualTo(1);
                assertThat(s.sum("provisioner_api_calls_total", "method", "POST", "status", "400"))
                        .isEqualTo(1);
                assertThat(s.sum("provisioner_api_call_duration_seconds_count", "method", "POST"))
                        .isEqualTo(6);
                assertThat(s.sum("provisioner_e2e_latency_seconds_count"))
                        .as("CDC requests stored")
                        .isEqualTo(4);
                assertThat(s.find("provisioner_e2e_latency_seconds_bucket")).isNotEmpty();
                assertThat(s.sum("provisioner_rate_limit_wait_seconds_count")).isGreaterThanOrEqualTo(6);
                assertThat(s.sum("provisioner_retry_forwarded_total", "tier", "1"))
                        .isEqualTo(1);
                assertThat(s.sum("provisioner_dead_letters_total")).isEqualTo(1);
                assertThat(s.find("provisioner_consumer_lag_seconds", "group", f.streamGroup()))
                        .hasSize(3);
                assertThat(s.sum("provisioner_consumer_group_status", "group", f.streamGroup()))
                        .isEqualTo(1);
                for (String component : new String[] {"database", "cdc", "provisioner", "retry"}) {
                    assertThat(s.sum("provisioner_up", "component", component))
                            .as(component)
                            .isEqualTo(1);
                }
                assertThat(s.names()).contains("jvm_memory_used_bytes", "jvm_threads_live_threads");
                assertThat(s.names()).anyMatch(n -> n.startsWith("kafka_consumer_"));
                assertThat(s.text())
                        .doesNotContain(f.simulator.liveKeys().get(0).secret());
                assertThat(DeployFiles.metricNames()).isNotEmpty().allSatisfy(name -> assertThat(s.names())
                        .as("series used by deploy/")
                        .contains(name));

                assertPromtoolWouldAccept(s);

                await().atMost(WAIT).until(() -> f.streamLag() == 0);
                JsonNode lag = Json.MAPPER.readTree(
                        f.cli("lag", "--json", "--stream-group", f.streamGroup(), "--retry-group", f.retryGroup())
                                .out());
                for (JsonNode group : lag) {
                    assertThat(group.get("status").asText())
                            .as(group.toString())
                            .isEqualTo("OK");
                    assertThat(group.get("lag").asLong()).as(group.toString()).isZero();
                }
                assertThat(KafkaDescribe.lagByPartition(infra.bootstrapServers(), f.retryGroup()))
                        .as("kafka-consumer-groups counts the commit marker after the forwarded retry")
                        .containsValue(1L);

                JsonNode status = Json.MAPPER.readTree(f.cli("status", "--json").out());
                assertThat(status.at("/jobs/succeeded").asLong()).isEqualTo(4);
                assertThat(status.at("/jobs/dead").asLong()).isEqualTo(1);
                assertThat(status.get("failures").findValuesAsText("owner")).contains(dead);
                JsonNode dlt =
                        Json.MAPPER.readTree(f.cli("dlt", "list", "--json").out());
                assertThat(dlt).hasSize(1);
                assertThat(dlt.get(0).get("owner").asText()).isEqualTo(dead);
                assertThat(dlt.get(0).get("attempts").asInt()).isEqualTo(1);
                assertThat(dlt.get(0).get("error_class").asText()).isEqualTo("FatalException");
                assertThat(dlt.get(0).get("error_message").asText()).contains("400");
                assertThat(dlt.get(0).get("first_failure_at").isNull()).isFalse();
                assertThat(dlt.get(0).get("dead_at").isNull()).isFalse();
            }
        }
    }

    @Test
    void healthAndUpGaugeGoDownWhileTheManagementKeyIsRejectedAndBackAfter(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            f.start(EnumSet.of(Components.CDC, Components.PROVISIONER), registry);
            try (OpsHttpServer ops = new OpsHttpServer("127.0.0.1", 0, registry, f::health)) {
                await().atMost(WAIT)
                        .until(() -> Scrape.get(ops.port(), "/health").statusCode() == 200);
                String key = f.simulator.managementKey();
                f.simulator.setAcceptedManagementKey("another-key");
                f.insertTeacher();

                await().atMost(WAIT)
                        .until(() -> Scrape.get(ops.port(), "/health").statusCode() == 503);
                HttpResponse<String> down = Scrape.get(ops.port(), "/health");
                assertThat(down.body()).contains("rejects the management key").doesNotContain(key);
                assertThat(Scrape.of(ops.port()).sum("provisioner_up", "component", "provisioner"))
                        .isZero();
                assertThat(Scrape.of(ops.port()).sum("provisioner_up", "component", "cdc"))
                        .isEqualTo(1);

                f.simulator.setAcceptedManagementKey(key);
                await().atMost(WAIT)
                        .until(() -> Scrape.get(ops.port(), "/health").statusCode() == 200);
                assertThat(Scrape.of(ops.port()).sum("provisioner_up", "component", "provisioner"))
                        .isEqualTo(1);
                await().atMost(WAIT).until(() -> f.activeKeys() == 1);
            }
        }
    }

    /** The checks of {@code promtool check metrics} that our naming can break: units, suffixes, help. */
    private static void assertPromtoolWouldAccept(Scrape s) {
        Set<String> helped = new HashSet<>();
        Map<String, String> types = new HashMap<>();
        for (String line : s.text().split("\n")) {
            String[] w = line.split(" ", 4);
            if (line.startsWith("# HELP ") && w.length == 4 && !w[3].isBlank()) {
                helped.add(w[2]);
            } else if (line.startsWith("# TYPE ")) {
                types.put(w[2], w[3]);
            }
        }
        types.forEach((family, type) -> {
            assertThat(helped).as("help text of %s", family).contains(family);
            assertThat(family.split("_")).as(family).doesNotContain("ns", "ms", "us");
            if (!type.equals("histogram") && !type.equals("summary")) {
                assertThat(family).as(family).doesNotEndWith("_count");
            }
        });
    }

    private static void insertTeacher(PipelineFixture f, String owner) throws Exception {
        try (var c = f.infra.connect();
                var ps = c.prepareStatement("insert into " + f.schema + ".teachers values (?::uuid, ?, null)")) {
            ps.setString(1, owner.substring("teacher:".length()));
            ps.setString(2, "teacher under test");
            ps.executeUpdate();
        }
    }
}
