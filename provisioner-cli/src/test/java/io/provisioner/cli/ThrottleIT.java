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
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One throttled answer cannot stop the pipeline: a 429 with {@code Retry-After: 7200} for one owner,
 * through the shared Postgres bucket, the real broker and the simulator over a socket.
 */
@ExtendWith(SharedInfra.class)
class ThrottleIT {

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void aTwoHourRetryAfterForOneOwnerPausesTheOthersBrieflyVisiblyAndDeadLettersNobody(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_LIMITER", "postgres");
            f.env.put("OR_BACKOFF_INITIAL_MS", "500");
            f.env.put("OR_BACKOFF_MAX_MS", "8000"); // the shared pause: min(8 s, 1 min)
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            f.start(EnumSet.allOf(Components.class), registry);
            UUID throttledId = UUID.randomUUID();
            String throttled = "teacher:" + throttledId;
            f.simulator.failCreatesFor(throttled, Fault.rateLimited(Duration.ofHours(2)));
            try (OpsHttpServer ops = new OpsHttpServer("127.0.0.1", 0, registry, f::health)) {
                f.insertTeacher(throttledId);
                await().atMost(WAIT).until(() -> f.health().get("provisioner").throttledUntil() != null);

                HttpResponse<String> health = Scrape.get(ops.port(), "/health");
                double gauge = Scrape.of(ops.port()).sum("provisioner_throttled_until_seconds");
                JsonNode status = Json.MAPPER.readTree(f.cli("status", "--json").out());
                int others = 10;
                f.insertOwners(others);
                await().atMost(WAIT).until(() -> f.activeKeys() == others);
                await().atMost(WAIT).until(() -> f.health().get("provisioner").throttledUntil() == null);

                assertThat(health.statusCode()).as("throttled is not broken").isEqualTo(200);
                assertThat(health.body()).contains("\"throttled\":true", "\"throttled_until\":\"");
                assertThat(gauge)
                        .as("epoch seconds the pause ends")
                        .isGreaterThan(Instant.now().getEpochSecond() - 60);
                assertThat(status.get("throttled_until").asText()).isNotBlank();
                assertThat(f.deadLettersOnceCommitted())
                        .as("nobody is dead-lettered")
                        .isEmpty();
                assertThat(f.job(throttled))
                        .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("retrying"));
                assertThat(Scrape.of(ops.port()).sum("provisioner_throttled_until_seconds"))
                        .as("0 once the pause has ended")
                        .isZero();
                assertThat(Json.MAPPER
                                .readTree(f.cli("status", "--json").out())
                                .get("throttled_until")
                                .isNull())
                        .isTrue();
                assertThat(Scrape.get(ops.port(), "/health").body()).doesNotContain("throttled");
            }
        }
    }
}
