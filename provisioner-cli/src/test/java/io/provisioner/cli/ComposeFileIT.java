package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.provisioner.runtime.Components;
import io.provisioner.testing.TestImages;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml against the Compose Specification's JSON schema and against the code: commands
 * are real subcommands, variables declared settings, ports the image's {@code PROVISIONER_HTTP_PORT},
 * images those the suite is tested on with Docker.
 */
class ComposeFileIT {

    private static final Path COMPOSE = ContainerFiles.ROOT.resolve("docker-compose.yml");

    /** The schema is vendored: src/test/resources/compose-spec/README.md says from where. */
    @Test
    void composeFileIsValidAgainstTheComposeSpecification() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile());
        JsonNode spec;
        try (InputStream in = ComposeFileIT.class.getResourceAsStream("/compose-spec/compose-spec.json")) {
            spec = new ObjectMapper().readTree(in);
        }
        dropDraft4Ids(spec);
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2019_09)
                .getSchema(SchemaLocation.of("classpath:compose-spec/compose-spec.json"), spec);
        List<String> errors =
                schema.validate(compose).stream().map(Error::toString).toList();
        assertThat(errors).as("schema violations of %s", COMPOSE).isEmpty();
    }

    @Test
    void provisionerServicesRunRealCommandsWithDeclaredSettingsAndTheImagesPort() throws Exception {
        JsonNode services =
                new ObjectMapper(new YAMLFactory()).readTree(COMPOSE.toFile()).get("services");
        String imagePort = ContainerFiles.env(ContainerFiles.finalStage(ContainerFiles.dockerfile()))
                .get("PROVISIONER_HTTP_PORT");
        Set<Components> components = EnumSet.noneOf(Components.class);
        Map<String, String> firstEnv = null;
        for (var it = services.fields(); it.hasNext(); ) {
            var service = it.next();
            JsonNode s = service.getValue();
            if (!s.path("build").asText().equals(".")) {
                continue;
            }
            List<String> cmd = strings(s.get("command"));
            ContainerFiles.assertParses(cmd);
            Map<String, String> env = environment(s);
            env.keySet().forEach(ContainerFiles::assertDeclared);
            String port = env.getOrDefault("PROVISIONER_HTTP_PORT", imagePort);
            for (JsonNode p : s.path("ports")) {
                assertThat(p.asText())
                        .as("%s publishes its /health port", service.getKey())
                        .endsWith(":" + port);
            }
            if (cmd.get(0).equals("run")) {
                assertThat(s.path("ports"))
                        .as("%s publishes /health and /metrics", service.getKey())
                        .isNotEmpty();
                // every component reads the database at start (it migrates first), so it waits for migrate
                assertThat(s.path("depends_on")
                                .path("migrate")
                                .path("condition")
                                .asText())
                        .as("%s starts after migrate completed", service.getKey())
                        .isEqualTo("service_completed_successfully");
                components.addAll(Components.parse(cmd.get(cmd.indexOf("--components") + 1)));
                firstEnv = env;
            }
        }
        assertThat(components).as("one service per component").isEqualTo(EnumSet.allOf(Components.class));
        assertThat(firstEnv).isNotNull();
        assertServersAreServices(services, firstEnv);
    }

    /**
     * This copy of the schema still carries draft-04 {@code "id"} keywords (later copies say
     * {@code $id}); the validator rejects them under 2019-09. Every {@code $ref} in it is a local
     * {@code #/definitions/...} pointer, so they change nothing and go.
     */
    private static void dropDraft4Ids(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.path("id").isTextual()) {
                object.remove("id");
            }
            object.fields().forEachRemaining(e -> {
                if (e.getKey().equals("properties") || e.getKey().equals("patternProperties")) {
                    e.getValue().forEach(ComposeFileIT::dropDraft4Ids);
                } else {
                    dropDraft4Ids(e.getValue());
                }
            });
        } else if (node != null && node.isArray()) {
            node.forEach(ComposeFileIT::dropDraft4Ids);
        }
    }

    /** The database, the brokers and the simulator the settings name are the services of the file. */
    private static void assertServersAreServices(JsonNode services, Map<String, String> env) {
        URI db = URI.create(env.get("DATABASE_URL"));
        assertThat(services.has(db.getHost()))
                .as("DATABASE_URL host %s is a service", db.getHost())
                .isTrue();
        assertThat(services.get(db.getHost()).path("image").asText()).isEqualTo(TestImages.POSTGRES);
        assertThat(strings(services.get(db.getHost()).get("command"))).contains("wal_level=logical");
        String broker = env.get("KAFKA_BOOTSTRAP_SERVERS").split(":")[0];
        assertThat(services.has(broker))
                .as("KAFKA_BOOTSTRAP_SERVERS host %s is a service", broker)
                .isTrue();
        assertThat(services.get(broker).path("image").asText()).isEqualTo(TestImages.KAFKA);
        URI api = URI.create(env.get("OPENROUTER_BASE_URL"));
        JsonNode sim = services.get(api.getHost());
        assertThat(sim)
                .as("OPENROUTER_BASE_URL host %s is a service", api.getHost())
                .isNotNull();
        assertThat(sim.path("build").path("target").asText()).isEqualTo("simulator");
        assertThat(strings(sim.get("command"))).contains(Integer.toString(api.getPort()));
        assertThat(strings(sim.get("profiles"))).containsExactly("simulator");
    }

    private static Map<String, String> environment(JsonNode service) throws Exception {
        Map<String, String> env = new HashMap<>();
        for (String file : strings(service.get("env_file"))) {
            for (String line : Files.readAllLines(ContainerFiles.ROOT.resolve(file))) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    env.put(t.substring(0, t.indexOf('=')), t.substring(t.indexOf('=') + 1));
                }
            }
        }
        service.path("environment")
                .fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else {
            out.add(node.asText());
        }
        return out;
    }
}
