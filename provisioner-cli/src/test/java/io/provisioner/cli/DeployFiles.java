package io.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL expressions of {@code deploy/} (alert rules and dashboard) and the series they use. */
final class DeployFiles {

    static final Path ALERTS = Path.of("..", "deploy", "prometheus", "alerts.yml");
    static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "provisioner.json");

    /** Names of our series and the JVM's and Kafka clients'; PromQL functions and labels do not match. */
    private static final Pattern SERIES = Pattern.compile("\\b((?:provisioner|jvm|kafka|process)_[a-zA-Z0-9_]+)\\b");

    private DeployFiles() {}

    static List<String> expressions() throws IOException {
        List<String> out = new ArrayList<>(alertExpressions());
        out.addAll(dashboardExpressions());
        return out;
    }

    static List<String> alertExpressions() throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode alerts = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        for (JsonNode group : alerts.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                out.add(rule.get("expr").asText());
            }
        }
        return out;
    }

    static List<String> dashboardExpressions() throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode dash = new ObjectMapper().readTree(DASHBOARD.toFile());
        for (JsonNode panel : dash.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.get("expr").asText());
            }
        }
        return out;
    }

    static Set<String> metricNames() throws IOException {
        return metricNames(expressions());
    }

    static Set<String> metricNames(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = SERIES.matcher(expr);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }
}
