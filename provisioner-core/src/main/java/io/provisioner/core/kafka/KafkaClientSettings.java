package io.provisioner.core.kafka;

import io.provisioner.core.config.ProvisionerConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The settings of every Kafka client of the pipeline, built in one place. Each client's settings are
 * layered, a later layer winning:
 *
 * <ol>
 *   <li>defaults the operator may change through the pass-through ({@link #SESSION_TIMEOUT_MS} for a
 *       group member, those given to {@link Builder#setDefault});
 *   <li>the pass-through: every {@code KAFKA_*} setting (security, ...) as a client property;
 *   <li>the bootstrap servers, and what makes the client what it is: {@code acks=all} and idempotence
 *       for a producer, {@code read_committed} for a consumer. The pass-through cannot change these;
 *   <li>what the caller sets ({@link Builder#set}), then its overrides ({@link Builder#overriddenBy}),
 *       in the order called.
 * </ol>
 *
 * <p>{@link Builder#build()} keeps only the names the client knows ({@link ProducerConfig#configNames()}
 * and so on), so that, say, a consumer setting passed through never reaches a producer. Immutable.
 */
public final class KafkaClientSettings {

    /**
     * Consumer session timeout of a group member unless {@code KAFKA_SESSION_TIMEOUT_MS} says otherwise
     * (ms): a crashed instance's partitions wait for its session to expire, 10 s rather than the client's
     * 45 s.
     */
    public static final int SESSION_TIMEOUT_MS = 10_000;

    private static final Set<String> ANY_CLIENT =
            union(ProducerConfig.configNames(), ConsumerConfig.configNames(), AdminClientConfig.configNames());

    private final String bootstrapServers;
    private final Map<String, String> passThrough;

    private KafkaClientSettings(String bootstrapServers, Map<String, String> passThrough) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.passThrough = Map.copyOf(passThrough);
    }

    public static KafkaClientSettings of(ProvisionerConfig config) {
        return of(config.kafka());
    }

    public static KafkaClientSettings of(ProvisionerConfig.Kafka kafka) {
        return new KafkaClientSettings(kafka.bootstrapServers(), kafka.clientProperties());
    }

    /**
     * The pass-through and the bootstrap servers, as text, for a component that hands one set of
     * properties to several clients of its own (Debezium's offset store: a producer, a consumer and an
     * admin client).
     */
    public Map<String, String> shared() {
        Map<String, String> p = new LinkedHashMap<>();
        passThrough.forEach((k, v) -> {
            if (ANY_CLIENT.contains(k)) {
                p.put(k, v);
            }
        });
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    public Builder admin() {
        return new Builder(AdminClientConfig.configNames(), Map.of(), Map.of());
    }

    /** Waits for every in-sync replica, and writes each record once even when it retries. */
    public Builder idempotentProducer() {
        return new Builder(ProducerConfig.configNames(), Map.of(), idempotent());
    }

    /** An {@link #idempotentProducer()} whose writes are transactions under {@code transactionalId}. */
    public Builder transactionalProducer(String transactionalId) {
        Map<String, Object> own = new HashMap<>(idempotent());
        own.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Objects.requireNonNull(transactionalId, "transactionalId"));
        return new Builder(ProducerConfig.configNames(), Map.of(), own);
    }

    /**
     * A consumer outside any group (it assigns and seeks, and commits nothing) that reads committed
     * records only.
     */
    public Builder readCommittedConsumer() {
        return new Builder(ConsumerConfig.configNames(), Map.of(), readCommitted());
    }

    /**
     * A member of consumer group {@code groupId} that reads committed records only and commits its offsets
     * itself, with the shared {@link #SESSION_TIMEOUT_MS}.
     */
    public Builder readCommittedConsumer(String groupId) {
        Map<String, Object> own = new HashMap<>(readCommitted());
        own.put(ConsumerConfig.GROUP_ID_CONFIG, Objects.requireNonNull(groupId, "groupId"));
        return new Builder(
                ConsumerConfig.configNames(),
                Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS),
                own);
    }

    /**
     * What a Kafka Streams application starts from: the pass-through, the bootstrap servers and the shared
     * {@link #SESSION_TIMEOUT_MS} of its consumers, keeping the names of the clients Kafka Streams creates.
     * The Streams settings themselves, and keeping what {@code StreamsConfig} accepts, are the application's.
     */
    public Builder streams() {
        return new Builder(ANY_CLIENT, Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS), Map.of());
    }

    private static Map<String, Object> idempotent() {
        return Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }

    private static Map<String, Object> readCommitted() {
        return Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false);
    }

    private static Set<String> union(Set<String> a, Set<String> b, Set<String> c) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        all.addAll(c);
        return Set.copyOf(all);
    }

    /** One client's settings, built up in order: each call wins over what came before it. Not thread-safe. */
    public final class Builder {
        private final Set<String> known;
        private final Map<String, Object> settings = new HashMap<>();

        private Builder(Set<String> known, Map<String, Object> defaults, Map<String, Object> own) {
            this.known = known;
            settings.putAll(defaults);
            settings.putAll(passThrough);
            settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            settings.putAll(own);
        }

        public Builder set(String name, Object value) {
            settings.put(name, value);
            return this;
        }

        /** Sets {@code name} unless the pass-through (or an earlier call) did: the operator's value wins. */
        public Builder setDefault(String name, Object value) {
            settings.putIfAbsent(name, value);
            return this;
        }

        /** Settings that win over everything set so far, e.g. a test's {@code group.id}. */
        public Builder overriddenBy(Map<String, ?> overrides) {
            settings.putAll(overrides);
            return this;
        }

        /** The settings this client knows, in a new map of the caller's. */
        public Map<String, Object> build() {
            Map<String, Object> out = new HashMap<>();
            settings.forEach((k, v) -> {
                if (known.contains(k)) {
                    out.put(k, v);
                }
            });
            return out;
        }
    }
}
