package io.provisioner.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every overlay of {@code deploy/kubernetes}, rendered by {@code kubectl kustomize}, parses object by
 * object into fabric8's typed model with unknown fields refused (fabric8's classes keep unknown fields
 * in a map of "additional properties"; that door is closed here), so a misspelt field fails the build.
 */
class KustomizeRenderTest {

    private static final Path KUSTOMIZE = Path.of("..", "deploy", "kubernetes");

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class,
            "monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class);

    /** Settings that are secrets: only ever as a {@code _FILE} path or from a Secret, never a literal. */
    private static final Set<String> SECRETS =
            Set.of("OPENROUTER_PROVISIONING_KEY", "PROVISIONER_ENCRYPTION_KEY", "DATABASE_PASSWORD");

    static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }

                @Override
                public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
                    return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
                }
            });

    @ParameterizedTest
    @ValueSource(strings = {"single", "scaled"})
    void everyRenderedObjectParsesStrictlyIntoItsTypedModel(String overlay) throws Exception {
        List<HasMetadata> objects = parse(render("overlays/" + overlay));

        assertThat(objects)
                .extracting(HasMetadata::getKind)
                .containsExactlyInAnyOrder(
                        "ConfigMap",
                        "Service",
                        "Deployment",
                        "Deployment",
                        "Deployment",
                        "PodDisruptionBudget",
                        "PodDisruptionBudget",
                        "ServiceMonitor",
                        "PrometheusRule");
        for (Deployment d : ofKind(objects, Deployment.class)) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getLivenessProbe().getHttpGet().getPath())
                    .as(d.getMetadata().getName())
                    .isEqualTo("/health/live");
            assertThat(c.getReadinessProbe().getHttpGet().getPath())
                    .as(d.getMetadata().getName())
                    .isEqualTo("/health/ready");
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
                    .isTrue();
            assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
            for (EnvVar e : c.getEnv()) {
                if (SECRETS.contains(e.getName())) {
                    assertThat(e.getValue())
                            .as(
                                    "%s of %s is a literal",
                                    e.getName(), d.getMetadata().getName())
                            .isNull();
                }
            }
        }
        Deployment cdc = ofKind(objects, Deployment.class).stream()
                .filter(d -> d.getMetadata().getName().equals("provisioner-cdc"))
                .findFirst()
                .orElseThrow();
        assertThat(cdc.getSpec().getReplicas())
                .as("the cdc bridge and its standby")
                .isEqualTo(2);
        assertThat(ofKind(objects, ConfigMap.class).get(0).getData())
                .doesNotContainKeys(SECRETS.toArray(String[]::new));
    }

    @Test
    void aMisspeltFieldIsRefusedEvenWhereFabric8WouldKeepIt() {
        String deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
                + "spec:\n  template:\n    spec:\n      containers:\n        - name: c\n          imagePullPolicyy: Always\n";

        assertThatThrownBy(() -> parse(deployment))
                .isInstanceOf(UnrecognizedPropertyException.class)
                .hasMessageContaining("imagePullPolicyy");
    }

    @Test
    void anUnknownKindIsRefused() {
        assertThatThrownBy(() -> parse("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"))
                .hasMessageContaining("v1/Pod");
    }

    private static List<HasMetadata> parse(String yaml) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        try (var docs = STRICT.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc == null || doc.isMissingNode() || doc.isNull()) {
                    continue;
                }
                String type =
                        doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
                Class<? extends HasMetadata> model = KINDS.get(type);
                if (model == null) {
                    throw new IllegalArgumentException("no typed model for " + type + " here: add it to KINDS");
                }
                out.add(STRICT.treeToValue(doc, model));
            }
        }
        return out;
    }

    private static <T> List<T> ofKind(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** {@code kubectl kustomize <dir>}; fails naming the tool when it is missing. */
    private static String render(String dir) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(
                            "kubectl", "kustomize", KUSTOMIZE.resolve(dir).toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "kubectl is needed to render deploy/kubernetes (deploy/kubernetes/check.sh installs it)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
