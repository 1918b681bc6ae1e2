package io.provisioner.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedInfra.class)
class SharedInfraIT {

    @Test
    void postgresIsReadyForLogicalReplication(Infra infra) throws Exception {
        try (Connection c = infra.connect();
                ResultSet rs = c.createStatement().executeQuery("show wal_level")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("logical");
        }
    }

    @Test
    void brokerCreatesAndListsTopics(Infra infra) throws Exception {
        String topic = TestNames.unique("infra") + ".t";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).contains(topic);
        }
    }
}
