package io.provisioner.runtime.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ConnectClientTest {

    @Test
    void theConnectorIsNamedByTheUrlOrDefaultsToProvisionerCdc() {
        assertThat(new ConnectClient("http://connect:8083").connector()).isEqualTo("provisioner-cdc");
        assertThat(new ConnectClient("http://connect:8083/").connector()).isEqualTo("provisioner-cdc");
        assertThat(new ConnectClient("http://connect:8083/connectors/my-cdc").connector())
                .isEqualTo("my-cdc");
    }

    @Test
    void aFailedTaskMakesTheConnectorUnhealthyWithTheFirstLineOfItsTrace() throws Exception {
        ConnectorStatus s = ConnectClient.parse(
                "provisioner-cdc",
                new ObjectMapper()
                        .readTree(
                                "{\"name\":\"provisioner-cdc\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w1\"},"
                                        + "\"tasks\":[{\"id\":0,\"state\":\"FAILED\",\"worker_id\":\"w2\","
                                        + "\"trace\":\"org.apache.kafka.connect.errors.ConnectException: boom\\n\\tat a.b\"}]}"));

        assertThat(s.healthy()).isFalse();
        assertThat(s.summary())
                .isEqualTo("connector provisioner-cdc RUNNING (w1), task 0 FAILED on w2:"
                        + " org.apache.kafka.connect.errors.ConnectException: boom");
    }

    @Test
    void aRunningConnectorWithoutTasksIsUnhealthy() throws Exception {
        ConnectorStatus s = ConnectClient.parse(
                "c", new ObjectMapper().readTree("{\"connector\":{\"state\":\"RUNNING\"},\"tasks\":[]}"));
        assertThat(s.healthy()).isFalse();
        assertThat(s.summary()).endsWith("no task");
    }
}
