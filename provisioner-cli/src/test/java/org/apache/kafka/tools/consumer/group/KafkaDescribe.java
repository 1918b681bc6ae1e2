package org.apache.kafka.tools.consumer.group;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test helper: what Kafka's own {@code kafka-consumer-groups --describe} computes for a group, through
 * the tool's service class (package-private, hence this package). The reference the lag figures are
 * checked against.
 */
public final class KafkaDescribe {

    private KafkaDescribe() {}

    /** {@code topic-partition} to the LAG column, for every row where the tool shows a number. */
    public static Map<String, Long> lagByPartition(String bootstrapServers, String group) throws Exception {
        ConsumerGroupCommandOptions opts = ConsumerGroupCommandOptions.fromArgs(
                new String[] {"--bootstrap-server", bootstrapServers, "--describe", "--group", group});
        Map<String, Long> out = new TreeMap<>();
        try (ConsumerGroupCommand.ConsumerGroupService service =
                new ConsumerGroupCommand.ConsumerGroupService(opts, Map.of())) {
            Collection<PartitionAssignmentState> rows =
                    service.collectGroupOffsets(group).getValue().orElseThrow();
            for (PartitionAssignmentState r : rows) {
                if (r.topic().isPresent()
                        && r.partition().isPresent()
                        && r.lag().isPresent()) {
                    out.put(r.topic().get() + "-" + r.partition().get(), r.lag().get());
                }
            }
        }
        return out;
    }
}
