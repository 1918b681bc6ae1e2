package io.provisioner.db.ratelimit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Where the {@link AimdRate} lives: in this process, or in a row every instance of a pipeline reads. */
interface AdaptiveState {

    /** The state, at most a few hundred milliseconds old; may read it from its storage. */
    AimdRate current();

    /**
     * The state as last read or written, without touching its storage: for the moment between a permit
     * and its call, which no I/O may lengthen.
     */
    default AimdRate lastKnown() {
        return current();
    }

    /** Records a 429 seen at {@code now} (epoch ms). */
    void rateLimited(long now, Duration retryAfterOrNull);

    /** State of this process only. Thread-safe. */
    static AdaptiveState local() {
        AtomicReference<AimdRate> state = new AtomicReference<>(AimdRate.FULL);
        return new AdaptiveState() {
            @Override
            public AimdRate current() {
                return state.get();
            }

            @Override
            public void rateLimited(long now, Duration retryAfterOrNull) {
                state.updateAndGet(s -> s.after429(now, retryAfterOrNull));
            }
        };
    }
}
