package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.provisioner.runtime.Components;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/kubernetes} agrees with the rest of the repository. (Its rendering and strict parsing need
 * kubectl: {@code ./mvnw -B verify -f kubernetes-manifests/pom.xml}.)
 */
class KubernetesFilesTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * The PrometheusRule is a copy, not a build product, so that the manifests apply from a checkout as
     * they are; this keeps the copy equal to alerts.yml, which promtool tests.
     */
    @Test
    void thePrometheusRuleHoldsExactlyTheAlertRulesOfAlertsYml() throws Exception {
        JsonNode alerts = YAML.readTree(DeployFiles.ALERTS.toFile());
        JsonNode rule = YAML.readTree(Path.of("..", "deploy", "kubernetes", "base", "prometheusrule.yaml")
                .toFile());

        assertThat(rule.get("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(rule.at("/spec/groups"))
                .as(
                        "deploy/kubernetes/base/prometheusrule.yaml is stale: run deploy/kubernetes/generate-prometheusrule.sh")
                .isEqualTo(alerts.get("groups"));
    }

    /** Every component runs in some Deployment: a sweep nobody runs settles no unknown create, no policy. */
    @Test
    void theDeploymentsTogetherRunEveryComponent() throws Exception {
        List<String> run = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("..", "deploy", "kubernetes", "base"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("deployment-"))
                    .toList()) {
                JsonNode args = YAML.readTree(f.toFile()).at("/spec/template/spec/containers/0/args");
                for (int i = 0; i + 1 < args.size(); i++) {
                    if (args.get(i).asText().equals("--components")) {
                        run.addAll(Arrays.asList(args.get(i + 1).asText().split(",")));
                    }
                }
            }
        }
        assertThat(run)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Components.values())
                        .map(c -> c.name().toLowerCase(java.util.Locale.ROOT))
                        .toList());
    }
}
