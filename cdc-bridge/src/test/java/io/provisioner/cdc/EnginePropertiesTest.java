package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.cdc.EngineProperties.JdbcTarget;
import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EnginePropertiesTest {

    @Test
    void readsHostPortDatabaseAndSslModeFromSupabaseStyleUrl() {
        Properties p = EngineProperties.build(config(
                Map.of("DATABASE_URL", "postgresql://postgres.abc:s3cret@db.example.com:6543/app?sslmode=require")));

        assertThat(p)
                .containsEntry("database.hostname", "db.example.com")
                .containsEntry("database.port", "6543")
                .containsEntry("database.dbname", "app")
                .containsEntry("database.user", "postgres.abc")
                .containsEntry("database.password", "s3cret")
                .containsEntry("database.sslmode", "require");
    }

    @Test
    void capturesTheConfiguredTablesThroughTheConfiguredSlotAndPublication() {
        Properties p = EngineProperties.build(config(Map.of(
                "CDC_SLOT_NAME", "my_slot",
                "CDC_PUBLICATION", "my_pub",
                "CDC_SNAPSHOT_MODE", "no_data",
                "PROVISIONER_TOPIC_PREFIX", "acme")));

        assertThat(p)
                .containsEntry("plugin.name", "pgoutput")
                .containsEntry("slot.name", "my_slot")
                .containsEntry("publication.name", "my_pub")
                .containsEntry("publication.autocreate.mode", "filtered")
                .containsEntry(
                        "table.include.list", "public\\.organizations,public\\.teachers,public\\.ai_key_policies")
                .containsEntry("snapshot.mode", "no_data")
                .containsEntry("tombstones.on.delete", "false")
                .containsEntry("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore")
                .containsEntry("offset.storage.topic", "acme.cdc-offsets")
                .containsEntry("heartbeat.action.query", EngineProperties.HEARTBEAT_QUERY);
    }

    /** A slot dropped or lost under the offsets is snapshotted again rather than refused (ReplicationSlotIT). */
    @Test
    void initialSnapshotsAgainWhenTheOffsetsPositionIsGone() {
        Properties p = EngineProperties.build(config(Map.of("CDC_SNAPSHOT_MODE", "initial")));

        assertThat(p).containsEntry("snapshot.mode", "when_needed");
    }

    @Test
    void passesKafkaClientSettingsToTheOffsetStore() {
        Properties p = EngineProperties.build(config(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")));

        assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("bootstrap.servers", "k:9092");
    }

    @Test
    void parsesJdbcUrlsWithAndWithoutPortOrDatabase() {
        assertThat(JdbcTarget.parse("jdbc:postgresql://h1:5433,h2:5434/db?user=u"))
                .isEqualTo(new JdbcTarget("h1", 5433, "db", Map.of("user", "u")));
        assertThat(JdbcTarget.parse("jdbc:postgresql://localhost/"))
                .isEqualTo(new JdbcTarget("localhost", 5432, "postgres", Map.of()));
    }

    @Test
    void demandsADatabaseUser() {
        assertThatThrownBy(() -> EngineProperties.build(config(Map.of("DATABASE_URL", "jdbc:postgresql://h/db"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("DATABASE_USER");
    }

    @Test
    void lockKeyIsStablePerSlotAndDiffersBetweenSlots() {
        assertThat(LeaderLock.keyOf("provisioner")).isEqualTo(LeaderLock.keyOf("provisioner"));
        assertThat(LeaderLock.keyOf("provisioner")).isNotEqualTo(LeaderLock.keyOf("provisioner2"));
    }

    private static ProvisionerConfig config(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", "postgresql://u:p@localhost:5432/postgres");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "k:9092");
        env.putAll(overrides);
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }
}
