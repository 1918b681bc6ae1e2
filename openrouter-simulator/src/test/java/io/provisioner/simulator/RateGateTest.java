package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RateGateTest {
    private final AtomicLong nanos = new AtomicLong(5_000_000_000L);
    private final RateGate gate = new RateGate(nanos::get);

    @Test
    void admitsTheRateInAnySlidingSecondAndRefusesTheRest() {
        gate.allow(10, false);

        assertThat(admitted(6)).isEqualTo(6);
        advanceMillis(500);
        assertThat(admitted(6))
                .as("only 4 left in the second that began 500 ms ago")
                .isEqualTo(4);
        advanceMillis(499);
        assertThat(admitted(3)).as("the first 6 are still inside the window").isZero();
        advanceMillis(1);
        assertThat(admitted(8))
                .as("the first 6 left the window, 4 are still in it")
                .isEqualTo(6);
        assertThat(gate.refused()).isEqualTo(2 + 3 + 2);
    }

    @Test
    void aRateBelowOneAdmitsOneCallPerPeriod() {
        gate.allow(0.5, false);

        assertThat(admitted(3)).isEqualTo(1);
        advanceMillis(1999);
        assertThat(admitted(1)).isZero();
        advanceMillis(1);
        assertThat(admitted(1)).isEqualTo(1);
    }

    @Test
    void retryAfterSaysWhenTheWindowAdmitsAgainInWholeSeconds() {
        gate.allow(0.25, true);
        gate.refuse();
        advanceMillis(1500);

        Reply.Answer refusal = (Reply.Answer) gate.refuse().orElseThrow();

        assertThat(refusal.status()).isEqualTo(429);
        assertThat(refusal.headers()).containsEntry("Retry-After", "3");
    }

    @Test
    void zeroOrNegativeLiftsTheLimit() {
        gate.allow(1, false);
        assertThat(admitted(5)).isEqualTo(1);

        gate.allow(0, false);
        assertThat(admitted(50)).isEqualTo(50);
        gate.allow(-3, false);
        assertThat(admitted(50)).isEqualTo(50);
    }

    private int admitted(int calls) {
        return (int)
                IntStream.range(0, calls).filter(i -> gate.refuse().isEmpty()).count();
    }

    private void advanceMillis(long millis) {
        nanos.addAndGet(millis * 1_000_000L);
    }
}
