package io.provisioner.runtime;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The consumer of the sweep, the lag monitor and the operator commands ({@code lag}, {@code dlt}): no group, so
 * it only assigns and seeks, commits nothing and never joins or disturbs a consumer group.
 */
public final class GrouplessConsumer {

    private GrouplessConsumer() {}

    public static KafkaConsumer<byte[], byte[]> open(ProvisionerConfig config) {
        return new KafkaConsumer<>(
                KafkaClientSettings.of(config)
                        .readCommittedConsumer()
                        .set(ConsumerConfig.CLIENT_ID_CONFIG, "provisioner-cli-" + UUID.randomUUID())
                        .build(),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
