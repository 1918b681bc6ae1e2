package io.provisioner.cli.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.JobState;
import io.provisioner.db.OwnedKey;
import io.provisioner.db.ProvisioningQueries;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy: finds owners without an active key and active keys whose owner row is gone, and
 * requests each of them on {@code <prefix>.requests}, so that a change CDC missed (rows sharing one LSN
 * after a restart, a slot dropped by hand) is still provisioned or revoked. The provisioner's
 * level-triggered processing does the rest. Owners already waiting in a retry topic or dead-lettered are
 * left alone, and so is a create that started less than {@code inFlightGrace} ago.
 */
public final class Sweeper {

    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    /** Most owners requested by one sweep; the next sweep takes the rest. */
    public static final int BATCH = 5_000;

    private final ProvisioningQueries queries;
    private final Function<OwnerRef, Optional<JobState>> jobs;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration inFlightGrace;
    private final Counter requested;

    public Sweeper(
            ProvisioningQueries queries,
            Function<OwnerRef, Optional<JobState>> jobs,
            Producer<String, byte[]> producer,
            String topic,
            Clock clock,
            Duration inFlightGrace,
            MeterRegistry registry) {
        this.queries = queries;
        this.jobs = jobs;
        this.publisher = new RequestPublisher(producer, topic, clock, "sweep");
        this.clock = clock;
        this.inFlightGrace = inFlightGrace;
        this.requested = Counter.builder("provisioner_sweep_requests_total")
                .description("requests sent by the anti-entropy sweep")
                .register(registry);
    }

    /** One sweep; returns how many requests it sent. */
    public int sweep() throws Exception {
        for (OwnerRef owner : queries.ownersWithoutActiveKey(BATCH)) {
            if (due(jobs.apply(owner))) {
                publisher.send(owner, ProvisionRequest.Op.UPSERT);
            }
        }
        for (OwnedKey k : queries.activeKeysWithoutOwner()) {
            publisher.send(k.owner(), ProvisionRequest.Op.DELETE);
        }
        int sent = publisher.flush();
        requested.increment(sent);
        if (sent > 0) {
            LOG.info("sweep requested {} owner(s) that CDC had not brought in step", sent);
        }
        return sent;
    }

    private boolean due(Optional<JobState> job) {
        if (job.isEmpty()) {
            return true;
        }
        String status = job.get().status();
        if (status.equals("retrying") || status.equals("dead")) {
            return false;
        }
        Instant since = job.get().attemptInFlightSince();
        return since == null || since.plus(inFlightGrace).isBefore(clock.instant());
    }
}
