package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.simulator.SimKey;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenRouter allowing half the configured rate (the simulator's {@code allowRate}): the shared bucket
 * slows down by itself, so every owner gets its key and nothing is dead-lettered. The achieved rate and
 * the share of 429s are printed, not asserted (timing on a shared machine).
 */
@ExtendWith(SharedInfra.class)
class AdaptiveRateIT {
    private static final Logger LOG = LoggerFactory.getLogger(AdaptiveRateIT.class);
    private static final int OWNERS = 200;
    private static final double ALLOWED = 10;

    @Test
    void serverAllowingHalfTheConfiguredRateProvisionsEveryOwnerAndDeadLettersNothing(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("OR_RATE_PER_SEC", "20");
            f.env.put("OR_RATE_LIMITER", "postgres");
            f.env.put("OR_BACKOFF_INITIAL_MS", "1000");
            f.env.put("OR_BACKOFF_MAX_MS", "8000");
            f.simulator.setLatency(Duration.ofMillis(20));
            f.simulator.allowRate(ALLOWED);
            f.start();

            List<String> owners = f.insertOwners(OWNERS);

            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> f.activeKeys() == OWNERS);
            assertThat(f.deadLettersOnceCommitted()).isEmpty();
            assertThat(f.simulator.liveKeys()).extracting(SimKey::name).containsExactlyInAnyOrderElementsOf(owners);
            report(f);
            // a count, not a timing: without slowing down about 45 % of the calls were refused
            assertThat(f.simulator.rateLimitedCalls())
                    .as("calls answered 429 of %s", f.simulator.requests().size())
                    .isLessThan(f.simulator.requests().size() / 5);
        }
    }

    private static void report(PipelineFixture f) {
        List<SimRequest> calls = f.simulator.requests();
        long refused = f.simulator.rateLimitedCalls();
        double seconds =
                Duration.between(calls.get(0).at(), calls.get(calls.size() - 1).at())
                                .toMillis()
                        / 1000.0;
        double achieved = (calls.size() - refused) / seconds;
        List<Instant> created =
                f.simulator.liveKeys().stream().map(SimKey::createdAt).sorted().toList();
        Instant from = created.get(created.size() / 10);
        Instant to = created.get(created.size() * 9 / 10);
        double middle = (created.size() * 8 / 10) / (Duration.between(from, to).toMillis() / 1000.0);
        LOG.info(
                "server allowing {}/s, 20/s configured: {} calls, {} answered 429 ({} %), {} calls/s achieved"
                        + " ({} of the allowed rate) over {} s; keys created {}/s between the 10th and 90th percentile",
                ALLOWED,
                calls.size(),
                refused,
                String.format("%.1f", 100.0 * refused / calls.size()),
                String.format("%.2f", achieved),
                String.format("%.3f", achieved / ALLOWED),
                String.format("%.1f", seconds),
                String.format("%.2f", middle));
    }
}
