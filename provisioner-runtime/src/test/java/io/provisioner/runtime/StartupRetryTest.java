package io.provisioner.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StartupRetryTest {

    /** As Flyway reports a pool wait that ran out while the process was paused: wrapped, with the cause. */
    private static RuntimeException noConnection() {
        return new IllegalStateException(
                "Unable to obtain connection from database",
                new SQLTransientConnectionException("provisioner - Connection is not available, request timed out"));
    }

    @Test
    void aPoolWaitThatRanOutIsTriedAgainAndStartGoesOn() {
        AtomicInteger calls = new AtomicInteger();

        String result = StartupRetry.run("migrate", () -> {
            if (calls.incrementAndGet() == 1) {
                throw noConnection();
            }
            return "migrated";
        });

        assertThat(result).isEqualTo("migrated");
        assertThat(calls).hasValue(2);
    }

    @Test
    void anyOtherFailureStopsStartAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        RuntimeException denied = new IllegalStateException("migrate failed", new SQLException("permission denied"));

        assertThatThrownBy(() -> StartupRetry.run("migrate", () -> {
                    calls.incrementAndGet();
                    throw denied;
                }))
                .isSameAs(denied);
        assertThat(calls).hasValue(1);
    }

    @Test
    void aDatabaseThatNeverAnswersStillStopsStartAfterTheLastAttempt() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> StartupRetry.run("migrate", () -> {
                    calls.incrementAndGet();
                    throw noConnection();
                }))
                .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
        assertThat(calls).hasValue(StartupRetry.ATTEMPTS);
    }
}
