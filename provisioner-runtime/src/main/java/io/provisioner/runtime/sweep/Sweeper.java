package io.provisioner.runtime.sweep;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy, every {@code PROVISIONER_SWEEP_INTERVAL}: requests on {@code <prefix>.requests} the
 * owners without an active key, the active keys whose owner row is gone and the owners whose job is
 * stuck, so that a change CDC missed (rows sharing one LSN after a restart, a slot dropped by hand) or a
 * retry record that was lost is still provisioned or revoked; then runs the orphan sweep, if any. The
 * provisioner's level-triggered processing does the rest.
 *
 * <p>An owner without a key is requested only when two sweeps in a row found it out of step: a row that
 * CDC did deliver but that still waits in the backlog is normally provisioned before the next sweep, so
 * a busy pipeline is not flooded with duplicates. The source leaves out owners waiting in a retry topic
 * or dead-lettered, and a create that started less than {@code inFlightGrace} ago.
 *
 * <p>A job is stuck when it says {@code retrying} and its next attempt is more than two intervals
 * overdue (the retry-scheduler forwards a record when it is due, so its record is gone), or says
 * {@code dead} for more than two intervals while no dead letter of the owner exists any more (retention
 * removed it, or it was never written): nothing would ever look at it again. A dead owner whose dead
 * letter exists stays dead until {@code provisioner dlt replay}: its reason is there to be read. Not
 * thread-safe: one sweep at a time.
 */
public final class Sweeper {

    /** What the sweep reads; implemented over {@code ProvisioningQueries} and the DLT. */
    public interface Source {
        /** At most {@code limit} owners without active key that are neither waiting nor recently started. */
        List<OwnerRef> withoutKey(int limit, Instant inFlightBefore);

        /** Owners whose row is gone but whose key is still active. */
        List<OwnerRef> keyWithoutOwner();

        /** At most {@code limit} owners stuck since before {@code overdueBefore}, without those {@code skip} accepts. */
        List<OwnerRef> stuck(Instant overdueBefore, int limit, Predicate<OwnerRef> skip);

        /** The record keys ({@code <owner_type>:<owner_id>}) that have a dead letter now. */
        Set<String> deadLettered();
    }

    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);
    /** Most owners requested by one sweep for each reason; the next sweep takes the rest. */
    public static final int BATCH = 5_000;

    private final Source source;
    private final RequestPublisher publisher;
    private final Callable<ReconcileFixer.Fixed> orphans;
    private final Clock clock;
    private final Duration interval;
    private final Duration inFlightGrace;
    private final Counter requested;
    private Set<OwnerRef> seenBefore = Set.of();
    private Set<OwnerRef> stuckRequested = Set.of();

    /**
     * @param orphans an incremental pass of the orphan sweep ({@link OrphanSweep#incremental}), or null when
     *     OpenRouter is not configured here
     * @param interval the sweep interval: a job is stuck once overdue by two of them
     */
    public Sweeper(
            Source source,
            RequestPublisher publisher,
            Callable<ReconcileFixer.Fixed> orphans,
            Clock clock,
            Duration interval,
            Duration inFlightGrace,
            MeterRegistry registry) {
        this.source = source;
        this.publisher = publisher;
        this.orphans = orphans;
        this.clock = clock;
        this.interval = interval;
        this.inFlightGrace = inFlightGrace;
        this.requested = Counter.builder("provisioner.sweep.requests")
                .description("requests sent by the anti-entropy sweep")
                .register(registry);
    }

    /** One sweep; returns how many requests it sent (the orphan sweep's included). */
    public int sweep() throws Exception {
        Instant now = clock.instant();
        Set<OwnerRef> outOfStep = new HashSet<>();
        for (OwnerRef owner : source.withoutKey(BATCH, now.minus(inFlightGrace))) {
            outOfStep.add(owner);
            if (seenBefore.contains(owner)) {
                publisher.send(owner, ProvisionRequest.Op.UPSERT);
            }
        }
        for (OwnerRef owner : source.keyWithoutOwner()) {
            outOfStep.add(owner);
            if (seenBefore.contains(owner)) {
                publisher.send(owner, ProvisionRequest.Op.DELETE);
            }
        }
        int stuck = requestStuck(now);
        int sent = publisher.flush();
        // what was just requested gets a full interval to be processed before it counts again
        seenBefore = without(outOfStep, seenBefore);
        if (sent > 0) {
            LOG.info("sweep requested {} owner(s) that CDC had not brought in step ({} stuck)", sent, stuck);
        }
        if (orphans != null) {
            sent += orphanSweep();
        }
        requested.increment(sent);
        return sent;
    }

    private int requestStuck(Instant now) {
        AtomicReference<Set<String>> dead = new AtomicReference<>(); // the DLT is read only when needed
        Predicate<OwnerRef> skip = owner -> {
            if (stuckRequested.contains(owner)) {
                return true; // requested by the last sweep: give the provisioner an interval
            }
            return dead.updateAndGet(d -> d == null ? source.deadLettered() : d).contains(owner.key());
        };
        List<OwnerRef> stuck = source.stuck(now.minus(interval.multipliedBy(2)), BATCH, skip);
        stuck.forEach(o -> publisher.send(o, ProvisionRequest.Op.UPSERT));
        stuckRequested = Set.copyOf(stuck);
        return stuck.size();
    }

    private int orphanSweep() {
        try {
            ReconcileFixer.Fixed fixed = orphans.call();
            if (fixed.orphansDeleted() + fixed.lostRevoked() > 0) {
                LOG.info(
                        "orphan sweep deleted {} key(s) no owner stores and revoked {} stored key(s) OpenRouter lost",
                        fixed.orphansDeleted(),
                        fixed.lostRevoked());
            }
            return fixed.requested();
        } catch (Exception e) {
            LOG.warn("orphan sweep failed; next in {}", interval, e);
            return 0;
        }
    }

    /** The owners out of step now that were not just requested. */
    private static Set<OwnerRef> without(Set<OwnerRef> now, Set<OwnerRef> requestedNow) {
        Set<OwnerRef> rest = new HashSet<>(now);
        rest.removeAll(requestedNow);
        return rest;
    }
}
