package io.provisioner.retry;

import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps the gate in step with the assignment: revoked partitions are forgotten, assigned ones start unpaused. */
final class GateListener implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(GateListener.class);

    private final Consumer<byte[], byte[]> consumer;
    private final PartitionGate gate;
    private final RetryMetrics metrics;

    GateListener(Consumer<byte[], byte[]> consumer, PartitionGate gate, RetryMetrics metrics) {
        this.consumer = consumer;
        this.gate = gate;
        this.metrics = metrics;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        gate.forget(partitions);
        metrics.paused(gate.heldCount());
        if (!partitions.isEmpty()) {
            LOG.info("retry partitions revoked: {}", partitions);
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        gate.forget(partitions);
        consumer.resume(partitions);
        metrics.paused(gate.heldCount());
        LOG.info("retry partitions assigned: {}", partitions);
    }
}
