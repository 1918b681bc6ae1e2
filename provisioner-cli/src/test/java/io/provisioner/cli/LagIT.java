package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.core.events.Json;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.OpsHttpServer;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.tools.consumer.group.KafkaDescribe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code provisioner lag} and the lag gauges on a real broker, checked against Kafka's own
 * {@code kafka-consumer-groups --describe}.
 */
@ExtendWith(SharedInfra.class)
class LagIT {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void stoppedProvisionerShowsEveryWaitingRequestNeverCommittedPartitionsIncluded(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            // given: provisioner-stream consumed one request (one partition committed), then stopped
            f.start();
            f.insertOwners(1);
            await().atMost(WAIT).until(() -> f.activeKeys() == 1 && f.streamLag() == 0);
            f.stop();
            // and 37 requests arrive while only cdc-bridge runs
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            f.start(EnumSet.of(Components.CDC), registry);
            f.insertOwners(37);
            await().atMost(WAIT).until(() -> f.streamLag() >= 37);

            // when
            PipelineFixture.CliRun run =
                    f.cli("lag", "--json", "--stream-group", f.streamGroup(), "--retry-group", f.retryGroup());

            // then
            assertThat(run.exit()).as(run.err()).isZero();
            JsonNode stream = group(Json.MAPPER.readTree(run.out()), f.streamGroup());
            assertThat(stream.get("status").asText()).isEqualTo("STOPPED");
            assertThat(stream.get("lag").asLong()).isEqualTo(37);
            long sum = 0;
            Map<String, JsonNode> ours = new HashMap<>();
            for (JsonNode p : stream.get("partitions")) {
                sum += p.get("lag").asLong();
                ours.put(p.get("topic").asText() + "-" + p.get("partition").asInt(), p);
            }
            assertThat(sum).isEqualTo(37);
            assertThat(ours.values())
                    .anySatisfy(p -> assertThat(p.get("committed").isNull()).isTrue());
            assertThat(ours.values())
                    .allSatisfy(p -> assertThat(p.get("lag_seconds").asDouble()).isNotNegative());
            Map<String, Long> kafka = KafkaDescribe.lagByPartition(infra.bootstrapServers(), f.streamGroup());
            assertThat(kafka).as("partitions the tool shows a number for").isNotEmpty();
            kafka.forEach((tp, lag) ->
                    assertThat(ours.get(tp).get("lag").asLong()).as(tp).isEqualTo(lag));
            JsonNode retry = group(Json.MAPPER.readTree(run.out()), f.retryGroup());
            assertThat(retry.get("status").asText())
                    .as("an idle group without lag")
                    .isEqualTo("OK");
            assertThat(retry.get("lag").asLong()).isZero();

            try (OpsHttpServer ops = new OpsHttpServer("127.0.0.1", 0, registry, f::health)) {
                await().atMost(WAIT)
                        .until(() -> Scrape.of(ops.port()).sum("provisioner_consumer_lag", "group", f.streamGroup())
                                == 37.0);
                Scrape scrape = Scrape.of(ops.port());
                assertThat(scrape.sum(
                                "provisioner_consumer_group_status", "group", f.streamGroup(), "status", "STOPPED"))
                        .isEqualTo(1.0);
                assertThat(scrape.find("provisioner_consumer_lag_seconds", "group", f.streamGroup()))
                        .hasSize(ours.size());
            }
        }
    }

    private static JsonNode group(JsonNode groups, String name) {
        for (JsonNode g : groups) {
            if (g.get("group").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no group " + name + " in " + groups);
    }
}
