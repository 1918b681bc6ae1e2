package io.provisioner.db.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AimdRateTest {
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void firstRateLimitHalvesTheShareAndMoreWithinASecondChangeNothing() {
        AimdRate once = AimdRate.FULL.after429(T0, null);
        AimdRate twice = once.after429(T0 + 500, null);

        assertThat(once.shareAt(T0)).isEqualTo(0.5);
        assertThat(twice.shareAt(T0 + 500)).isEqualTo(once.shareAt(T0 + 500));
    }

    @Test
    void climbsFastToNinetyPercentOfTheLastRateLimitedShareThenSlowlyButNeverAboveOne() {
        AimdRate halved = AimdRate.FULL.after429(T0, null);

        assertThat(halved.shareAt(T0 + 1_000)).as("no climb within a second").isEqualTo(0.5);
        assertThat(halved.shareAt(T0 + 5_000)).isCloseTo(0.7, within(1e-9));
        assertThat(halved.shareAt(T0 + 9_000)).isCloseTo(0.9, within(1e-9));
        assertThat(halved.shareAt(T0 + 10_000)).isCloseTo(0.91, within(1e-9));
        assertThat(halved.shareAt(T0 + 3_600_000)).isEqualTo(1.0);
    }

    @Test
    void aRateLimitNearTheLastOneTakesOnlyTenPercentOffAndNeverGoesBelowTheFloor() {
        AimdRate first = AimdRate.FULL.after429(T0, null);
        AimdRate second = first.after429(T0 + 3_000, null);

        assertThat(second.shareAt(T0 + 3_000)).isCloseTo(0.6 * 0.9, within(1e-9));

        AimdRate state = AimdRate.FULL;
        for (int i = 0; i < 100; i++) {
            state = new AimdRate(state.share(), 0, T0 - 2 * AimdRate.HOLD_MILLIS, 0).after429(T0, null);
        }
        assertThat(state.shareAt(T0)).isEqualTo(AimdRate.FLOOR);
    }

    @Test
    void retryAfterPausesEveryoneAndTheClimbStartsWhenThePauseEnds() {
        AimdRate paused = AimdRate.FULL.after429(T0, Duration.ofSeconds(3));

        assertThat(paused.pausedUntil()).isEqualTo(T0 + 3_000);
        assertThat(paused.shareAt(T0 + 3_000)).isEqualTo(0.5);
        assertThat(paused.after429(T0 + 100, Duration.ofSeconds(1)).pausedUntil())
                .as("a shorter Retry-After does not shorten the pause")
                .isEqualTo(T0 + 3_000);
    }

    @Test
    void aPauseLongerThanAnyThisVersionWritesHoldsNobodyAndNotTheClimb() {
        AimdRate stale = new AimdRate(0.5, 1, T0, T0 + Duration.ofHours(2).toMillis());

        assertThat(stale.at(T0).pausedUntil())
                .as("left by an older version: ignored")
                .isZero();
        assertThat(stale.at(T0 + 60_000).shareAt(T0 + 60_000)).isGreaterThan(0.5);
        assertThat(stale.after429(T0 + 5_000, null).pausedUntil())
                .as("a 429 without Retry-After does not carry it on")
                .isZero();
    }

    @Test
    void aRetryAfterPausesEveryoneForAMinuteAtMost() {
        AimdRate paused = AimdRate.FULL.after429(T0, Duration.ofSeconds(2_000_000_000L));

        assertThat(paused.pausedUntil()).isEqualTo(T0 + RateLimiters.MAX_SHARED_PAUSE.toMillis());
    }

    @Test
    void encodesAndDecodesAndReadsGarbageAsFullRate() {
        AimdRate state = new AimdRate(0.45, 0.5, T0, T0 + 2_000);

        assertThat(AimdRate.decode(state.encode())).isEqualTo(state);
        assertThat(AimdRate.decode(null)).isEqualTo(AimdRate.FULL);
        assertThat(AimdRate.decode("x;y")).isEqualTo(AimdRate.FULL);
    }
}
