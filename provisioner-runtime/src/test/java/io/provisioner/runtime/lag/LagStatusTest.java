package io.provisioner.runtime.lag;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.runtime.lag.LagReading.PartitionLag;
import io.provisioner.runtime.lag.LagReading.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LagStatusTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final LagStatus status = new LagStatus(Duration.ofSeconds(30));

    @Test
    void idleGroupWithoutLagIsOkEvenWithoutMembers() {
        assertThat(judge(0, 0, part(100L, 0, false)).status()).isEqualTo(Status.OK);
        assertThat(judge(10, 0, part(100L, 0, false)).status()).isEqualTo(Status.OK);
    }

    @Test
    void lagWithoutMembersIsStopped() {
        assertThat(judge(0, 0, part(null, 37, false)).status()).isEqualTo(Status.STOPPED);
    }

    @Test
    void lagWithMembersAndNoCommitOverTheWindowIsStalled() {
        assertThat(judge(0, 1, part(100L, 5, false)).status())
                .as("nothing to compare with yet")
                .isEqualTo(Status.OK);
        assertThat(judge(10, 1, part(100L, 8, false)).status()).isEqualTo(Status.STALLED);
    }

    @Test
    void growingLagWhileCommittingIsLaggingAndShrinkingLagIsOk() {
        judge(0, 1, part(100L, 5, false));
        assertThat(judge(10, 1, part(110L, 9, false)).status()).isEqualTo(Status.LAGGING);
        assertThat(judge(50, 1, part(130L, 2, false)).status()).isEqualTo(Status.OK);
    }

    @Test
    void retryPartitionWaitingForItsDueTimeIsOkNeverStalled() {
        judge(0, 1, part(7L, 3, true));
        assertThat(judge(20, 1, part(7L, 3, true)).status()).isEqualTo(Status.OK);
        assertThat(judge(25, 0, part(7L, 3, true)).status())
                .as("not even without members")
                .isEqualTo(Status.OK);
    }

    private LagReading judge(int atSeconds, int members, PartitionLag p) {
        return status.judge(new LagReading("g", Status.OK, members, p.lag(), List.of(p), T0.plusSeconds(atSeconds)));
    }

    private static PartitionLag part(Long committed, long lag, boolean waiting) {
        long start = 0;
        long end = (committed == null ? 0 : committed) + lag;
        return new PartitionLag("t", 0, committed, start, end, lag, lag == 0 ? 0 : 12.5, waiting);
    }
}
