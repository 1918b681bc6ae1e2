package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
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
}
