package io.provisioner.testing;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique names that let tests share servers: topic prefixes, application ids, slots, publications,
 * schemas. Lower-case letters, digits and '_' only, so each is valid everywhere.
 */
public final class TestNames {

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);

    private TestNames() {}

    /** e.g. {@code unique("it")} -> {@code it_k3x9_7}. */
    public static String unique(String base) {
        return (base + "_" + RUN + "_" + SEQ.incrementAndGet())
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9_]", "_");
    }
}
