package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

/** The shipped alert rules and dashboard are complete (MetricsIT checks their series are served). */
class DeployFilesTest {

    @Test
    void everyAlertHasARunbookAndTheRequiredAlertsExist() throws Exception {
        JsonNode alerts = new ObjectMapper(new YAMLFactory()).readTree(DeployFiles.ALERTS.toFile());
        JsonNode rules = alerts.get("groups").get(0).get("rules");
        assertThat(rules)
                .allSatisfy(
                        r -> assertThat(r.at("/annotations/runbook").asText()).isNotBlank());
        assertThat(rules.findValuesAsText("alert"))
                .contains(
                        "ProvisionerDown",
                        "ProvisionerLagGrowing",
                        "ProvisionerDeadLetters",
                        "ProvisionerManagementKeyRejected",
                        "ProvisionerThrottled",
                        "ProvisionerReplicationSlotRetainingWal",
                        "ProvisionerReplicationSlotInactive",
                        "ProvisionerReplicationSlotUnreserved",
                        "ProvisionerReplicationSlotLost");
    }

    @Test
    void theDashboardShowsLagThroughputApiLatencyRateLimitRetriesAndDeadLetters() throws Exception {
        assertThat(DeployFiles.metricNames(DeployFiles.dashboardExpressions()))
                .contains(
                        "provisioner_consumer_lag",
                        "provisioner_consumer_lag_seconds",
                        "provisioner_requests_total",
                        "provisioner_api_calls_total",
                        "provisioner_e2e_latency_seconds_bucket",
                        "provisioner_rate_limit_wait_seconds_bucket",
                        "provisioner_retry_forwarded_total",
                        "provisioner_dead_letters_total");
    }
}
