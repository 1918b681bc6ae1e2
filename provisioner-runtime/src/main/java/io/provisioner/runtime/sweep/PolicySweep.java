package io.provisioner.runtime.sweep;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings keys in step with a settings change ({@code OR_ORG_LIMIT}, {@code OR_TEACHER_LIMIT},
 * {@code OR_LIMIT_RESET}, {@code OR_*_GUARDRAIL_ID}) made between restarts: every pass asks the database
 * which active keys were last set to something else than their settings and policy say (a query, no
 * OpenRouter call), and requests those owners on {@code <prefix>.requests}; the provisioner's
 * level-triggered processing then sends one {@code PATCH} and/or one assignment per key, never a new key.
 *
 * <p>A pass requests at most {@link #perPass} owners: the interval's permits times the sweep's share of the
 * rate, so that a roll-out takes no more of the rate than the sweep may, and new owners are still
 * provisioned meanwhile. More keys than that take further passes. Not thread-safe: one pass at a time.
 */
public final class PolicySweep {
    private static final Logger LOG = LoggerFactory.getLogger(PolicySweep.class);

    private final IntFunction<List<OwnerRef>> outOfStep;
    private final RequestPublisher publisher;
    private final int perPass;
    private final Counter requested;

    /**
     * @param outOfStep at most n owners whose key is out of step (PolicyDrift)
     * @param perPass most owners requested by one pass
     */
    public PolicySweep(
            IntFunction<List<OwnerRef>> outOfStep, RequestPublisher publisher, int perPass, MeterRegistry registry) {
        if (perPass < 1) {
            throw new IllegalArgumentException("perPass must be at least 1, was " + perPass);
        }
        this.outOfStep = outOfStep;
        this.publisher = publisher;
        this.perPass = perPass;
        this.requested = Counter.builder("provisioner.policy.sweep.requests")
                .description("owners the policy sweep requested because their key was out of step with its policy")
                .register(registry);
    }

    /** The sweep's share of the calls one interval allows: at least one owner a pass. */
    public static int perPass(Duration interval, double ratePerSecond, double share) {
        double calls = interval.toMillis() / 1000d * ratePerSecond * share;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.floor(calls)));
    }

    /** One pass; returns how many owners it requested. */
    public int sweep() throws Exception {
        List<OwnerRef> owners = outOfStep.apply(perPass);
        owners.forEach(o -> publisher.send(o, ProvisionRequest.Op.UPSERT));
        int sent = publisher.flush();
        if (sent > 0) {
            LOG.info(
                    "policy sweep requested {} owner(s) whose key is out of step with its settings or policy{}",
                    sent,
                    sent == perPass ? " (this pass's share of the rate; the next pass takes more)" : "");
        }
        requested.increment(sent);
        return sent;
    }
}
