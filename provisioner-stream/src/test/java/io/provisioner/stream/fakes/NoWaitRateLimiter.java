package io.provisioner.stream.fakes;

import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Grants every permit at once, or none while {@link #deny(boolean)} is set; counts what it granted. */
public final class NoWaitRateLimiter implements RateLimiter {

    private final AtomicInteger granted = new AtomicInteger();
    private volatile boolean deny;

    public NoWaitRateLimiter deny(boolean value) {
        deny = value;
        return this;
    }

    public int granted() {
        return granted.get();
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
