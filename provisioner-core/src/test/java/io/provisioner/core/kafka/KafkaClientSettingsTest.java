package io.provisioner.core.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.Test;

class KafkaClientSettingsTest {

    private static KafkaClientSettings settings(Map<String, String> env) {
        return KafkaClientSettings.of(ProvisionerConfig.from(ConfigSource.load(env, Optional.empty())));
    }

    /** A security setting, a consumer-only one, a producer-only one and one only the admin client knows. */
    private final KafkaClientSettings kafka = settings(Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
            "KAFKA_SECURITY_PROTOCOL", "SSL",
            "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.jks",
            "KAFKA_MAX_POLL_RECORDS", "7",
            "KAFKA_LINGER_MS", "3",
            "KAFKA_DEFAULT_API_TIMEOUT_MS", "61000"));

    private List<Map<String, Object>> everyClient() {
        return List.of(
                kafka.admin().build(),
                kafka.idempotentProducer().build(),
                kafka.transactionalProducer("tx").build(),
                kafka.readCommittedConsumer().build(),
                kafka.readCommittedConsumer("group").build(),
                kafka.streams().build());
    }

    @Test
    void securityPassThroughAndBootstrapServersReachEveryClient() {
        assertThat(everyClient()).allSatisfy(p -> assertThat(p)
                .containsEntry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "/etc/kafka/truststore.jks")
                .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL")
                .containsEntry(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092"));
        assertThat(kafka.shared())
                .containsEntry(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "/etc/kafka/truststore.jks")
                .containsEntry(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
    }

    @Test
    void eachClientGetsOnlyTheNamesItKnows() {
        assertThat(kafka.admin().build().keySet()).isSubsetOf(AdminClientConfig.configNames());
        assertThat(kafka.idempotentProducer().build().keySet()).isSubsetOf(ProducerConfig.configNames());
        assertThat(kafka.transactionalProducer("tx").build().keySet()).isSubsetOf(ProducerConfig.configNames());
        assertThat(kafka.readCommittedConsumer().build().keySet()).isSubsetOf(ConsumerConfig.configNames());
        assertThat(kafka.readCommittedConsumer("group").build().keySet()).isSubsetOf(ConsumerConfig.configNames());
        Set<String> anyClient = new HashSet<>(ProducerConfig.configNames());
        anyClient.addAll(ConsumerConfig.configNames());
        anyClient.addAll(AdminClientConfig.configNames());
        assertThat(kafka.streams().build().keySet()).isSubsetOf(anyClient);

        assertThat(kafka.idempotentProducer().build()).doesNotContainKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        assertThat(kafka.admin().build())
                .doesNotContainKey(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)
                .doesNotContainKey(ProducerConfig.LINGER_MS_CONFIG)
                .containsEntry(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "61000");
        assertThat(kafka.readCommittedConsumer().build())
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7")
                .doesNotContainKey(ProducerConfig.LINGER_MS_CONFIG);
        assertThat(kafka.idempotentProducer().build()).containsEntry(ProducerConfig.LINGER_MS_CONFIG, "3");
        // Streams hands each setting to the client that knows it
        assertThat(kafka.streams().build())
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "3");
    }

    @Test
    void producersWaitForEveryReplicaAndWriteOnce() {
        assertThat(kafka.idempotentProducer().build())
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .doesNotContainKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        assertThat(kafka.transactionalProducer("retry-scheduler-x").build())
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "retry-scheduler-x");
    }

    @Test
    void consumersReadCommittedRecordsAndCommitNothingThemselves() {
        assertThat(kafka.readCommittedConsumer().build())
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG)
                .doesNotContainKey(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
        assertThat(kafka.readCommittedConsumer("retry-scheduler").build())
                .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "retry-scheduler");
    }

    @Test
    void groupMembersLeaveAfterTenSecondsUnlessTheOperatorSaysOtherwise() {
        KafkaClientSettings tuned = settings(Map.of("KAFKA_SESSION_TIMEOUT_MS", "30000"));

        assertThat(kafka.readCommittedConsumer("g").build())
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, KafkaClientSettings.SESSION_TIMEOUT_MS);
        assertThat(kafka.streams().build()).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        assertThat(tuned.readCommittedConsumer("g").build())
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
        assertThat(tuned.streams().build()).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
    }

    @Test
    void passThroughCannotWeakenAcksIdempotenceOrIsolation() {
        KafkaClientSettings weakened = settings(Map.of(
                "KAFKA_ACKS", "1",
                "KAFKA_ENABLE_IDEMPOTENCE", "false",
                "KAFKA_ISOLATION_LEVEL", "read_uncommitted",
                "KAFKA_ENABLE_AUTO_COMMIT", "true",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL"));

        for (Map<String, Object> producer : List.of(
                weakened.idempotentProducer().build(),
                weakened.transactionalProducer("tx").build())) {
            assertThat(producer)
                    .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                    .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                    .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        }
        for (Map<String, Object> consumer : List.of(
                weakened.readCommittedConsumer().build(),
                weakened.readCommittedConsumer("g").build())) {
            assertThat(consumer)
                    .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                    .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                    .containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        }
    }

    @Test
    void callerSettingsAndOverridesWinInOrderAndAreFilteredToo() {
        Map<String, Object> producer = kafka.idempotentProducer()
                .set(ProducerConfig.LINGER_MS_CONFIG, 5)
                .setDefault(ProducerConfig.CLIENT_ID_CONFIG, "ours")
                .overriddenBy(
                        Map.of(ConsumerConfig.GROUP_ID_CONFIG, "test-group", ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000))
                .build();
        Map<String, Object> consumer = kafka.readCommittedConsumer("g")
                .setDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20)
                .setDefault(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000)
                .overriddenBy(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "test-group"))
                .build();

        assertThat(producer)
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "ours")
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000)
                .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
        // a default gives way to the operator's pass-through
        assertThat(consumer)
                .containsEntry(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7")
                .containsEntry(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000)
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "test-group");
    }

    @Test
    void eachBuildIsANewMapOfTheCallers() {
        KafkaClientSettings.Builder admin = kafka.admin();
        Map<String, Object> first = admin.build();
        first.put(AdminClientConfig.CLIENT_ID_CONFIG, "changed");

        assertThat(admin.build()).doesNotContainKey(AdminClientConfig.CLIENT_ID_CONFIG);
    }
}
