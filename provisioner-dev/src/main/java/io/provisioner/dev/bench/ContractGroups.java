package io.provisioner.dev.bench;

import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.retry.RetryScheduler;
import io.provisioner.stream.ProvisionerStreamApp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * The contract's consumer groups, which the components join as deployed: on the user's Kafka a bench must
 * not join them while a pipeline's members are in them, which would rebalance that pipeline.
 */
final class ContractGroups {
    static final List<String> NAMES = List.of(ProvisionerStreamApp.APPLICATION_ID, RetryScheduler.GROUP_ID);

    private ContractGroups() {}

    /**
     * @throws IllegalStateException naming the group and {@code --one-jvm}, when one of {@link #NAMES} has
     *     members on the Kafka {@code settings} name
     */
    static void requireIdle(Map<String, String> settings) throws Exception {
        KafkaClientSettings kafka =
                KafkaClientSettings.of(ProvisionerConfig.from(ConfigSource.load(settings, Optional.empty())));
        Map<String, Integer> members = new LinkedHashMap<>();
        try (Admin admin = Admin.create(kafka.admin().build())) {
            var described = admin.describeConsumerGroups(NAMES).describedGroups();
            for (String group : NAMES) {
                try {
                    members.put(
                            group,
                            described
                                    .get(group)
                                    .get(30, TimeUnit.SECONDS)
                                    .members()
                                    .size());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw e;
                    }
                    members.put(group, 0);
                }
            }
        }
        refusal(members).ifPresent(message -> {
            throw new IllegalStateException(message);
        });
    }

    /** Why the bench must not run as deployed, given each group's number of members; empty when it may. */
    static Optional<String> refusal(Map<String, Integer> members) {
        for (Map.Entry<String, Integer> e : members.entrySet()) {
            if (e.getValue() > 0) {
                return Optional.of("consumer group '" + e.getKey() + "' has " + e.getValue()
                        + " member(s) on KAFKA_BOOTSTRAP_SERVERS: bench as deployed would join it and rebalance"
                        + " that pipeline; stop it, or run bench --one-jvm, whose groups are the scenarios' own");
            }
        }
        return Optional.empty();
    }
}
