package io.provisioner.core.logging;

import org.slf4j.MDC;

/**
 * Puts the record being processed into the logging MDC as {@code owner}, {@code topic}, {@code
 * partition} and {@code offset}, so that every line logged while it is processed carries them (as JSON
 * fields with {@code LOG_FORMAT=json}); {@link #close()} removes them. Use with try-with-resources on
 * the processing thread. The owner is the record key ({@code <owner_type>:<owner_id>}), never a secret.
 */
public final class RecordMdc implements AutoCloseable {

    public static final String OWNER = "owner";
    public static final String TOPIC = "topic";
    public static final String PARTITION = "partition";
    public static final String OFFSET = "offset";

    private RecordMdc() {}

    /** @param owner the record key, may be null; {@code topic} null when unknown (then no position is set) */
    public static RecordMdc of(String owner, String topic, int partition, long offset) {
        MDC.put(OWNER, owner == null ? "" : Texts.abbreviate(owner, 120));
        if (topic != null) {
            MDC.put(TOPIC, topic);
            MDC.put(PARTITION, Integer.toString(partition));
            MDC.put(OFFSET, Long.toString(offset));
        }
        return new RecordMdc();
    }

    @Override
    public void close() {
        MDC.remove(OWNER);
        MDC.remove(TOPIC);
        MDC.remove(PARTITION);
        MDC.remove(OFFSET);
    }
}
