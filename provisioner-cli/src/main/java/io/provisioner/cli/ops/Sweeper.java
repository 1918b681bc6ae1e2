package io.provisioner.cli.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.ports.JobState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy: finds owners without an active key and active keys whose owner row is gone, and
 * requests each of them on {@code <prefix>.requests}, so that a change CDC missed (rows sharing one LSN
 * after a restart, a slot dropped by hand) is still provisioned or revoked. The provisioner's
 * level-triggered processing does the rest.
 *
 * <p>An owner is requested only when two sweeps in a row found it out of step: a row that CDC did
 * deliver but that still waits in the backlog is normally provisioned before the next sweep, so a busy
 * pipeline is not flooded with duplicates. Owners already waiting in a retry topic or dead-lettered are
 * left alone, and so is a create that started less than {@code inFlightGrace} ago. Not thread-safe: one
 * sweep at a time.
 */
public final class Sweeper {

    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    /** Most owners requested by one sweep; the next sweep takes the rest. */
    public static final int BATCH = 5_000;

    private final Supplier<List<OwnerRef>> withoutKey;
    private final Supplier<List<OwnerRef>> keyWithoutOwner;
    private final Function<OwnerRef, Optional<JobState>> jobs;
    private final RequestPublisher publisher;
    private final Clock clock;
    private final Duration inFlightGrace;
    private final Counter requested;
    private Set<OwnerRef> seenBefore = Set.of();

    /**
     * @param withoutKey owner rows with no active key (at most {@link #BATCH})
     * @param keyWithoutOwner owners whose row is gone but whose key is still active
     */
    public Sweeper(
            Supplier<List<OwnerRef>> withoutKey,
            Supplier<List<OwnerRef>> keyWithoutOwner,
            Function<OwnerRef, Optional<JobState>> jobs,
            Producer<String, byte[]> producer,
            String topic,
            Clock clock,
            Duration inFlightGrace,
            MeterRegistry registry) {
        this.withoutKey = withoutKey;
        this.keyWithoutOwner = keyWithoutOwner;
        this.jobs = jobs;
        this.publisher = new RequestPublisher(producer, topic, clock, "sweep");
        this.clock = clock;
        this.inFlightGrace = inFlightGrace;
        this.requested = Counter.builder("provisioner.sweep.requests")
                .description("requests sent by the anti-entropy sweep")
                .register(registry);
    }

    /** One sweep; returns how many requests it sent. */
    public int sweep() throws Exception {
        Set<OwnerRef> outOfStep = new HashSet<>();
        for (OwnerRef owner : withoutKey.get()) {
            if (due(jobs.apply(owner))) {
                outOfStep.add(owner);
                if (seenBefore.contains(owner)) {
                    publisher.send(owner, ProvisionRequest.Op.UPSERT);
                }
            }
        }
        for (OwnerRef owner : keyWithoutOwner.get()) {
            outOfStep.add(owner);
            if (seenBefore.contains(owner)) {
                publisher.send(owner, ProvisionRequest.Op.DELETE);
            }
        }
        int sent = publisher.flush();
        // what was just requested gets a full interval to be processed before it counts again
        seenBefore = without(outOfStep, seenBefore);
        requested.increment(sent);
        if (sent > 0) {
            LOG.info("sweep requested {} owner(s) that CDC had not brought in step", sent);
        }
        return sent;
    }

    /** The owners out of step now that were not just requested. */
    private static Set<OwnerRef> without(Set<OwnerRef> now, Set<OwnerRef> requestedNow) {
        Set<OwnerRef> rest = new HashSet<>(now);
        rest.removeAll(requestedNow);
        return rest;
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
