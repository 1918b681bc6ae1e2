package io.provisioner.dev.bench;

import io.provisioner.runtime.Components;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How a scenario's pipeline instances run: in the bench's JVM ({@link InProcessDeployment}, {@code --one-jvm})
 * or each a {@code provisioner run} process of its own ({@link ProcessDeployment}, as deployed). The scenarios
 * do not care which.
 */
interface Deployment {

    /** For {@code about} and the printed output. */
    String mode();

    /** Whether the instances are processes of their own: their startup and resident sets are figures. */
    boolean separateProcesses();

    /**
     * The components of each instance for a pipeline of {@code provisioners} instances that run the
     * provisioner: one JVM: the first runs every component, the others the provisioner; as deployed: one
     * {@code cdc,retry} and {@code provisioners} {@code provisioner}.
     */
    java.util.List<Set<Components>> layout(int provisioners);

    /** The consumer group of the provisioner of a scenario whose pipeline is named {@code schema}. */
    String streamGroup(String schema);

    /** Starts one instance with {@code settings} (state dir included), returning once it is started. */
    Instance start(String schema, int index, Map<String, String> settings, Set<Components> components) throws Exception;

    /** One instance of a scenario's pipeline. */
    interface Instance extends AutoCloseable {

        /** Its components, e.g. {@code cdc,retry}. */
        String kind();

        Set<Components> components();

        /** Its resident set in bytes; empty in one JVM (no process of its own). */
        Optional<Long> rss();

        /**
         * Waits until its {@code /health} answers 200; returns the time since it was spawned. One JVM: at
         * once, NaN.
         */
        double awaitReady(Duration timeout) throws Exception;

        /** Its log's tail, for a failure report; empty in one JVM. */
        String tail(int lines);

        /** Asks it to stop without waiting (a process: SIGTERM), so that several stop side by side. */
        default void beginClose() {}

        /** Stops it (a process: SIGTERM, then killed after a grace period). */
        @Override
        void close();
    }

    static String kind(Set<Components> components) {
        return String.join(
                ",",
                components.stream()
                        .map(c -> c.name().toLowerCase(java.util.Locale.ROOT))
                        .toList());
    }
}
