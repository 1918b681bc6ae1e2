package io.provisioner.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.TopicSpec;
import io.provisioner.core.topics.Topics;
import io.provisioner.stream.internals.SinkNames;
import io.provisioner.stream.internals.StreamMetrics;
import java.time.Clock;
import org.apache.kafka.streams.Topology;

/**
 * The provisioner's topology, built without I/O so that tests drive exactly this with {@code
 * TopologyTestDriver}:
 *
 * <pre>
 * &lt;prefix&gt;.requests (String, raw bytes)
 *   -> provision-processor -> &lt;prefix&gt;.results     (ProvisionResult JSON, never a secret)
 *                          -> &lt;prefix&gt;.retry.&lt;n&gt;  (same bytes, retry headers)
 *                          -> &lt;prefix&gt;.dlt         (same bytes, dead-letter headers)
 * </pre>
 */
public final class ProvisionerTopology {

    private ProvisionerTopology() {}

    /**
     * @param topics the topic registry; must have {@code policy.tiers()} retry topics
     * @param clock the time source for due times, headers and latencies
     */
    public static Topology build(
            Topics topics, RetryPolicy policy, ProvisioningService service, Clock clock, MeterRegistry registry) {
        return build(topics, policy, service, clock, registry, null);
    }

    /** @param gate counts the credential pauses of each record, so a request OpenRouter keeps refusing is dead-lettered */
    public static Topology build(
            Topics topics,
            RetryPolicy policy,
            ProvisioningService service,
            Clock clock,
            MeterRegistry registry,
            CredentialsGate gate) {
        if (topics.retries().size() != policy.tiers()) {
            throw new IllegalArgumentException("topics have " + topics.retries().size()
                    + " retry tiers but the retry policy has " + policy.tiers());
        }
        StreamMetrics metrics = new StreamMetrics(registry);
        Topology topology = new Topology();
        TopicSpec<String, byte[]> source = topics.requestsRaw();
        topology.addSource(
                SinkNames.SOURCE,
                source.keySerde().deserializer(),
                source.valueSerde().deserializer(),
                source.name());
        topology.addProcessor(
                SinkNames.PROCESSOR,
                () -> new RequestProcessor(policy, service, clock, metrics, gate),
                SinkNames.SOURCE);
        addSink(topology, SinkNames.RESULTS, topics.results());
        for (int tier = 1; tier <= policy.tiers(); tier++) {
            addSink(topology, SinkNames.retry(tier), topics.retry(tier));
        }
        addSink(topology, SinkNames.DLT, topics.dlt());
        return topology;
    }

    private static <V> void addSink(Topology topology, String name, TopicSpec<String, V> topic) {
        topology.addSink(
                name,
                topic.name(),
                topic.keySerde().serializer(),
                topic.valueSerde().serializer(),
                SinkNames.PROCESSOR);
    }
}
