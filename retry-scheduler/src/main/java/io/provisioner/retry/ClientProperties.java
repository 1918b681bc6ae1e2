package io.provisioner.retry;

import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka client settings of the retry scheduler: the shared ones ({@link KafkaClientSettings}), then
 * our own, then the caller's overrides; each client gets only the keys it knows. Keys and values are raw
 * bytes so that a record goes back exactly as it came, garbage included.
 */
final class ClientProperties {

    /** The consumer group of CONTRACT section 6. */
    static final String GROUP_ID = RetryScheduler.GROUP_ID;

    /** Records per poll: only the head of each partition matters, so a handful is enough. */
    static final int MAX_POLL_RECORDS = 20;

    private ClientProperties() {}

    static Map<String, Object> consumer(ProvisionerConfig config, Map<String, Object> overrides) {
        return KafkaClientSettings.of(config)
                .readCommittedConsumer(GROUP_ID)
                .set(ConsumerConfig.CLIENT_ID_CONFIG, GROUP_ID + "-consumer-" + shortId())
                .set(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
                .set(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS)
                // bounds what the client buffers for partitions whose head is far from due
                .set(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024)
                .set(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024 * 1024)
                // a resumed partition waits for the fetch in flight; a short long-poll keeps lateness low
                .set(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250)
                // the subscription is a pattern: a retry tier created by another instance is found within 30 s
                .setDefault(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000)
                .overriddenBy(overrides)
                .set(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)
                .set(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class)
                .build();
    }

    /**
     * A transactional id unique to this instance; zombies are fenced through the consumer group
     * generation (KIP-447). A crashed instance's open transaction is aborted by the broker after
     * {@code transaction.timeout.ms}, kept short for that reason.
     */
    static Map<String, Object> producer(ProvisionerConfig config, Map<String, Object> overrides) {
        String prefix = config.kafka().topicPrefix();
        return KafkaClientSettings.of(config)
                .transactionalProducer(GROUP_ID + "-" + prefix + "-" + UUID.randomUUID())
                .set(ProducerConfig.CLIENT_ID_CONFIG, GROUP_ID + "-producer-" + shortId())
                .set(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000)
                .set(ProducerConfig.LINGER_MS_CONFIG, 0)
                .overriddenBy(overrides)
                .set(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .set(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)
                .build();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
