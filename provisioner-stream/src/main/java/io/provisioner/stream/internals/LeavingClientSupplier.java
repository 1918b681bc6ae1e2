package io.provisioner.stream.internals;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * The clients Kafka Streams would create by default, except that a stream thread's consumer always
 * leaves the consumer group when it closes.
 *
 * <p>Why: when a stream thread is replaced ({@code REPLACE_THREAD}, which is how the provisioner recovers
 * from a rejected management key), Kafka Streams 4.x closes the dead thread's consumer with {@code
 * REMAIN_IN_GROUP}. The coordinator then keeps that member until its session expires, and the rebalance
 * that admits the replacement thread, any processing after it and a {@code close()} meanwhile all wait
 * for that expiry. The provisioner keeps no local state, so no member ever gains from staying: leaving
 * at once is always right.
 */
public final class LeavingClientSupplier implements KafkaClientSupplier {

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new LeavingConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return plain(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return plain(config);
    }

    private static Consumer<byte[], byte[]> plain(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A group consumer whose close always leaves the group, keeping the caller's timeout. */
    static final class LeavingConsumer extends KafkaConsumer<byte[], byte[]> {

        LeavingConsumer(Map<String, Object> config) {
            super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public void close(CloseOptions options) {
            super.close(leaving(options));
        }

        static CloseOptions leaving(CloseOptions options) {
            CloseOptions leave =
                    CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
            return options.timeout().map(leave::withTimeout).orElse(leave);
        }
    }
}
