package io.provisioner.core.time;

/**
 * A monotonic time source for measuring elapsed time and waiting out delays, beside the wall-clock
 * {@link java.time.Clock} a component takes for timestamps. Components take one from the composition
 * root ({@link #system()}) so that tests can drive time instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds since an arbitrary, fixed origin: only the difference of two readings means anything. */
    long nanos();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
