package io.provisioner.stream.fakes;

import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Grants every permit at once, or none while {@link #deny(boolean)} is set; counts what it granted and
 * records each {@link #rateLimited} it was told.
 */
public final class NoWaitRateLimiter implements RateLimiter {

    private final AtomicInteger granted = new AtomicInteger();
    private final List<Duration> rateLimited = new CopyOnWriteArrayList<>();
    private volatile boolean deny;

    public NoWaitRateLimiter deny(boolean value) {
        deny = value;
        return this;
    }

    public int granted() {
        return granted.get();
    }

    /** The {@code Retry-After} of every 429 reported, null where there was none. */
    public List<Duration> rateLimitedCalls() {
        return rateLimited;
    }

    @Override
    public void rateLimited(Duration retryAfterOrNull) {
        rateLimited.add(retryAfterOrNull);
    }

    @Override
    public boolean acquire(Duration maxWait) {
        if (deny) {
            return false;
        }
        granted.incrementAndGet();
        return true;
    }
}
