package io.provisioner.dev.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** As deployed on the user's Kafka, the bench refuses to join a contract group that has members. */
class ContractGroupsTest {

    @Test
    void theContractsGroupsAreTheComponents() {
        assertThat(ContractGroups.NAMES).containsExactly("provisioner-stream", "retry-scheduler");
    }

    @Test
    void refusesNamingTheGroupWithMembersAndOneJvm() {
        Map<String, Integer> members = new LinkedHashMap<>();
        members.put("provisioner-stream", 0);
        members.put("retry-scheduler", 1);

        assertThat(ContractGroups.refusal(members))
                .hasValueSatisfying(
                        m -> assertThat(m).contains("'retry-scheduler'").contains("--one-jvm"));
        assertThat(ContractGroups.refusal(Map.of("provisioner-stream", 0, "retry-scheduler", 0)))
                .isEmpty();
    }
}
