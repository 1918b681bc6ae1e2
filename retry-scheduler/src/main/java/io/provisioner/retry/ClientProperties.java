package io.provisioner.retry;

import io.provisioner.core.config.ProvisionerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka client settings of the retry scheduler: the shared base (bootstrap servers and pass-through
 * settings), then our defaults, then the caller's overrides; each client gets only the keys it knows.
 * Keys and values are raw bytes so that a record goes back exactly as it came, garbage included.
 */
final class ClientProperties {

    /** The consumer group of CONTRACT section 6. */
    static final String GROUP_ID = RetryScheduler.GROUP_ID;

    /** Records per poll: only the head of each partition matters, so a handful is enough. */
    static final int MAX_POLL_RECORDS = 20;

    /** Consumer session timeout unless {@code KAFKA_SESSION_TIMEOUT_MS} says otherwise (ms). */
    static final int SESSION_TIMEOUT_MS = 10_000;

    private ClientProperties() {}

    static Map<String, Object> consumer(ProvisionerConfig config, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(config.kafka().baseProperties());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP_ID);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, GROUP_ID + "-consumer-" + shortId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        // a crashed instance's partitions wait for its session to expire: 10 s rather than the client's 45 s
        p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        // bounds what the client buffers for partitions whose head is far from due
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024 * 1024);
        // a resumed partition waits for the fetch in flight; a short long-poll keeps lateness low
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250);
        // the subscription is a pattern: a retry tier created by another instance is found within 30 s
        p.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000);
        p.putAll(overrides);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return only(p, ConsumerConfig.configNames());
    }

    /**
     * A transactional id unique to this instance; zombies are fenced through the consumer group
     * generation (KIP-447). A crashed instance's open transaction is aborted by the broker after
     * {@code transaction.timeout.ms}, kept short for that reason.
     */
    static Map<String, Object> producer(ProvisionerConfig config, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(config.kafka().baseProperties());
        String prefix = config.kafka().topicPrefix();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, GROUP_ID + "-" + prefix + "-" + UUID.randomUUID());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, GROUP_ID + "-producer-" + shortId());
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.putAll(overrides);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return only(p, ProducerConfig.configNames());
    }

    static Map<String, Object> admin(ProvisionerConfig config, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>(config.kafka().baseProperties());
        p.putAll(overrides);
        return only(p, AdminClientConfig.configNames());
    }

    private static Map<String, Object> only(Map<String, Object> props, Set<String> known) {
        Map<String, Object> out = new HashMap<>();
        props.forEach((k, v) -> {
            if (known.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
