package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.provisioner.connect.ProvisioningRequestTransform;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/connect/}: the connector configuration for Debezium on Kafka Connect and its Strimzi
 * resources capture what the embedded engine captures, with the same transform, and agree with each other.
 */
class ConnectDeploymentTest {

    private static final Path DEPLOY = Path.of("..", "deploy", "connect");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The settings of the embedded engine that the connector must have too, with the same value. */
    private static final List<String> SHARED_WITH_THE_ENGINE = List.of(
            "connector.class",
            "topic.prefix",
            "plugin.name",
            "slot.name",
            "slot.drop.on.stop",
            "slot.max.retries",
            "slot.retry.delay.ms",
            "publication.name",
            "publication.autocreate.mode",
            "table.include.list",
            "snapshot.mode",
            "tombstones.on.delete",
            "heartbeat.interval.ms",
            "heartbeat.action.query",
            "message.prefix.exclude.list",
            "poll.interval.ms");

    @Test
    void connectorWritesThroughTheTransformToTheRequestsTopic() throws IOException {
        Map<String, String> config = connectorConfig();

        assertThat(config)
                .containsEntry("transforms", "provisioning")
                .containsEntry("transforms.provisioning.type", ProvisioningRequestTransform.class.getName())
                .containsEntry("key.converter", "org.apache.kafka.connect.storage.StringConverter")
                .containsEntry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter")
                .containsEntry("tasks.max", "1");
        assertThat(config.get("transforms.provisioning.topic.prefix") + ".requests")
                .isEqualTo(defaults().topics().requestsRaw().name())
                .isEqualTo("provisioning.requests");
    }

    @Test
    void connectorCapturesWhatTheEmbeddedEngineCaptures() throws IOException {
        Map<String, String> config = connectorConfig();
        Properties engine = EngineProperties.build(defaults());

        for (String key : SHARED_WITH_THE_ENGINE) {
            assertThat(config.get(key)).as(key).isEqualTo(engine.getProperty(key));
        }
        assertThat(config.get("transforms.provisioning.tables"))
                .isEqualTo(String.join(
                        ",",
                        defaults().cdc().tables().keySet().stream().sorted().toList()));
    }

    @Test
    void strimziConnectorHasTheSameConfiguration() throws IOException {
        JsonNode connector =
                YAML.readTree(DEPLOY.resolve("strimzi/kafka-connector.yaml").toFile());
        Map<String, String> config = connectorConfig();

        assertThat(connector.path("kind").asText()).isEqualTo("KafkaConnector");
        assertThat(connector.path("spec").path("class").asText()).isEqualTo(config.get("connector.class"));
        assertThat(connector.path("spec").path("tasksMax").asText()).isEqualTo(config.get("tasks.max"));
        Map<String, String> strimzi = strings(connector.path("spec").path("config"));
        config.remove("connector.class");
        config.remove("tasks.max");
        assertThat(strimzi).isEqualTo(config);
        assertThat(connector
                        .path("metadata")
                        .path("labels")
                        .path("strimzi.io/cluster")
                        .asText())
                .isEqualTo(connect().path("metadata").path("name").asText());
    }

    @Test
    void strimziConnectClusterBuildsBothPluginsAndTakesConnectorResources() throws IOException {
        JsonNode connect = connect();

        assertThat(connect.path("kind").asText()).isEqualTo("KafkaConnect");
        assertThat(connect.path("metadata")
                        .path("annotations")
                        .path("strimzi.io/use-connector-resources")
                        .asText())
                .isEqualTo("true");
        assertThat(connect.path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(connect.path("spec").path("build").path("plugins").findValuesAsText("name"))
                .containsExactly("debezium-connector-postgres", "provisioner-connect");
        assertThat(connect.path("spec")
                        .path("config")
                        .path("config.providers.env.class")
                        .asText())
                .isEqualTo("org.apache.kafka.common.config.provider.EnvVarConfigProvider");
    }

    static Map<String, String> connectorConfig() throws IOException {
        JsonNode root = JSON.readTree(Files.readString(DEPLOY.resolve("provisioner-cdc.json")));
        assertThat(root.path("name").asText()).isEqualTo("provisioner-cdc");
        return strings(root.path("config"));
    }

    private static JsonNode connect() throws IOException {
        return YAML.readTree(DEPLOY.resolve("strimzi/kafka-connect.yaml").toFile());
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> {
            assertThat(e.getValue().isTextual())
                    .as("%s is a string", e.getKey())
                    .isTrue();
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static ProvisionerConfig defaults() {
        return ProvisionerConfig.from(ConfigSource.load(
                Map.of("DATABASE_URL", "postgresql://u:p@localhost:5432/postgres", "KAFKA_BOOTSTRAP_SERVERS", "k:9092"),
                Optional.empty()));
    }
}
