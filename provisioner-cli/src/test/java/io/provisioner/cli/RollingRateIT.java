package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Pipeline;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling change of the rate, as OpenRouter sees it: one pipeline at the old rate drains a backlog of
 * 120 owners when a second instance at the new rate joins; no second at the simulator holds more creates
 * than the larger rate plus one.
 */
@ExtendWith(SharedInfra.class)
class RollingRateIT {
    private static final Logger LOG = LoggerFactory.getLogger(RollingRateIT.class);

    @Test
    void aRollingRateChangeNeverPutsMoreThanTheLargerRatePlusOneCreatesIntoASecond(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_LIMITER", "postgres");
            f.env.put("OR_RATE_PER_SEC", "5");
            f.env.put("PROVISIONER_PARTITIONS", "6");
            f.start();
            f.insertOwners(120);
            await().atMost(Duration.ofMinutes(1)).until(() -> creates(f).size() >= 10);

            Map<String, String> env = new HashMap<>(f.env);
            env.put("OR_RATE_PER_SEC", "4");
            env.put(
                    "PROVISIONER_STATE_DIR",
                    Files.createTempDirectory("e2e-streams-b").toString());
            ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
            try (Pipeline second = new Pipeline(
                            config,
                            EnumSet.of(Components.PROVISIONER),
                            new SimpleMeterRegistry(),
                            new Pipeline.Overrides(
                                    Map.of("application.id", f.schema + "-stream"),
                                    Map.of("group.id", f.schema + "-retry"),
                                    Map.of()))
                    .start()) {
                await().atMost(Duration.ofMinutes(3)).until(() -> f.activeKeys() == 120);
            }
            List<Instant> at = creates(f).stream().map(SimRequest::at).sorted().toList();
            int max = 0;
            int start = 0;
            for (int end = 0; end < at.size(); end++) {
                while (Duration.between(at.get(start), at.get(end)).compareTo(Duration.ofSeconds(1)) >= 0) {
                    start++;
                }
                if (end - start + 1 > max) {
                    max = end - start + 1;
                    LOG.info("window of {}: {}", max, at.subList(start, end + 1));
                }
            }
            LOG.info(
                    "rolling change 5/s -> 4/s: {} creates, at most {} in one second at the simulator", at.size(), max);
            assertThat(max).isLessThanOrEqualTo(6);
        }
    }

    private static List<SimRequest> creates(PipelineFixture f) {
        List<SimRequest> out = new ArrayList<>();
        for (SimRequest r : f.simulator.requests()) {
            if (r.method().equals("POST") && r.path().endsWith("/keys")) {
                out.add(r);
            }
        }
        return out;
    }
}
