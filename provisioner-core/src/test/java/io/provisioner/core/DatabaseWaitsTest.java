package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.config.DatabaseWaits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DatabaseWaitsTest {

    private static DatabaseWaits waits(long lock, long statement, long socket) {
        return new DatabaseWaits(
                Duration.ofSeconds(lock),
                Duration.ofSeconds(statement),
                Duration.ofSeconds(socket),
                Duration.ofSeconds(10),
                Duration.ofSeconds(60));
    }

    @Test
    void theSocketGivesUpOnlyAfterTheServerWouldHaveCancelled() {
        assertThatThrownBy(() -> waits(3, 15, 15))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("socketTimeout");
        assertThatThrownBy(() -> waits(30, 15, 20)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsWaitsTheDriverOrServerCannotTake() {
        assertThatThrownBy(() -> waits(0, 15, 20)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new DatabaseWaits(
                        Duration.ofSeconds(3),
                        Duration.ofSeconds(15),
                        Duration.ofMillis(20_500),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(60)))
                .hasMessageContaining("whole seconds");
    }

    @Test
    void aFailingCallOfThePipelineStallsItsThreadForAtMostThirtySeconds() {
        assertThat(DatabaseWaits.PIPELINE.longestFailingCall()).isEqualTo(Duration.ofSeconds(30));
    }
}
