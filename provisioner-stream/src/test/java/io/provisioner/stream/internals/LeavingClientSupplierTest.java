package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.junit.jupiter.api.Test;

class LeavingClientSupplierTest {

    @Test
    void aThreadClosedToStayInTheGroupLeavesItWithinTheSameTimeout() {
        CloseOptions asked = CloseOptions.groupMembershipOperation(GroupMembershipOperation.REMAIN_IN_GROUP)
                .withTimeout(Duration.ofSeconds(7));

        CloseOptions used = LeavingClientSupplier.LeavingConsumer.leaving(asked);

        assertThat(used.groupMembershipOperation()).isEqualTo(GroupMembershipOperation.LEAVE_GROUP);
        assertThat(used.timeout()).contains(Duration.ofSeconds(7));
    }

    @Test
    void aCloseWithoutTimeoutLeavesWithTheClientsDefaultTimeout() {
        CloseOptions used = LeavingClientSupplier.LeavingConsumer.leaving(
                CloseOptions.groupMembershipOperation(GroupMembershipOperation.DEFAULT));

        assertThat(used.groupMembershipOperation()).isEqualTo(GroupMembershipOperation.LEAVE_GROUP);
        assertThat(used.timeout()).isEmpty();
    }
}
