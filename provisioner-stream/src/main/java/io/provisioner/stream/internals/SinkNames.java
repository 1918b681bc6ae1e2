package io.provisioner.stream.internals;

/** Names of the topology's nodes; the processor routes a record by forwarding it to one sink. */
public final class SinkNames {

    public static final String SOURCE = "requests-source";
    public static final String PROCESSOR = "provision-processor";
    public static final String RESULTS = "results-sink";
    public static final String DLT = "dlt-sink";

    private SinkNames() {}

    /** The sink of retry topic {@code tier}. */
    public static String retry(int tier) {
        return "retry-" + tier + "-sink";
    }
}
