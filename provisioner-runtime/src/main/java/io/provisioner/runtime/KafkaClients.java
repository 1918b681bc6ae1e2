package io.provisioner.runtime;

import io.provisioner.core.config.ProvisionerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/** Short-lived Kafka clients for the operator commands, from the configured properties. */
public final class KafkaClients {

    private KafkaClients() {}

    public static Admin admin(ProvisionerConfig config) {
        return Admin.create(new HashMap<>(config.kafka().baseProperties()));
    }

    /** A consumer with no group: it only assigns and seeks, and commits nothing. */
    public static KafkaConsumer<byte[], byte[]> reader(ProvisionerConfig config) {
        Map<String, Object> p = new HashMap<>(config.kafka().baseProperties());
        p.put("enable.auto.commit", "false");
        p.put("isolation.level", "read_committed");
        p.put("client.id", "provisioner-cli-" + UUID.randomUUID());
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** An idempotent producer that waits for every replica: requests must not be lost or doubled. */
    public static <K> KafkaProducer<K, byte[]> producer(ProvisionerConfig config, Serializer<K> keys) {
        Map<String, Object> p = new HashMap<>(config.kafka().baseProperties());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        return new KafkaProducer<>(p, keys, new ByteArraySerializer());
    }
}
