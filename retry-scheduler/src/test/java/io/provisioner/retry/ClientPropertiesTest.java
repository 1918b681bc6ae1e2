package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class ClientPropertiesTest {

    private static ProvisionerConfig config(Map<String, String> env) {
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }

    @Test
    void crashedSchedulerIsReplacedAfterTenSecondsUnlessTheOperatorSaysOtherwise() {
        Map<String, Object> byDefault = ClientProperties.consumer(config(Map.of()), Map.of());
        Map<String, Object> configured =
                ClientProperties.consumer(config(Map.of("KAFKA_SESSION_TIMEOUT_MS", "30000")), Map.of());

        assertThat(byDefault).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        assertThat(configured).containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
        assertThat(byDefault).containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "retry-scheduler");
    }
}
