package io.provisioner.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.retry.RetryDecision;
import io.provisioner.core.retry.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy defaults = new RetryPolicy(8, Duration.ofSeconds(30), 2, Duration.ofHours(1));
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void eightAttemptsMeanSevenRetryTiersWithGrowingDelays() {
        assertThat(defaults.tiers()).isEqualTo(7);
        assertThat(defaults.tierDelay(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.tierDelay(2)).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.tierDelay(7)).isEqualTo(Duration.ofSeconds(30 * 64));
    }

    @Test
    void delayIsCappedAtTheMaximum() {
        RetryPolicy p = new RetryPolicy(8, Duration.ofMinutes(10), 3, Duration.ofHours(1));
        assertThat(p.tierDelay(3)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void attemptNGoesToTierN() {
        RetryDecision d = defaults.afterRetryableFailure(3, Optional.empty(), now);
        assertThat(d).isEqualTo(new RetryDecision.Retry(3, now.plusSeconds(120), Duration.ofSeconds(120)));
    }

    @Test
    void eighthAttemptFailingIsDeadLettered() {
        assertThat(defaults.afterRetryableFailure(8, Optional.empty(), now))
                .isInstanceOf(RetryDecision.DeadLetter.class);
        assertThat(defaults.afterRetryableFailure(7, Optional.empty(), now)).isInstanceOf(RetryDecision.Retry.class);
    }

    @Test
    void longerRetryAfterMovesToFirstTierThatCoversIt() {
        RetryDecision d = defaults.afterRetryableFailure(1, Optional.of(Duration.ofSeconds(100)), now);
        assertThat(d).isEqualTo(new RetryDecision.Retry(3, now.plusSeconds(120), Duration.ofSeconds(120)));
    }

    @Test
    void shorterRetryAfterKeepsTheTierDelay() {
        RetryDecision d = defaults.afterRetryableFailure(2, Optional.of(Duration.ofSeconds(5)), now);
        assertThat(d).isEqualTo(new RetryDecision.Retry(2, now.plusSeconds(60), Duration.ofSeconds(60)));
    }

    @Test
    void retryAfterBeyondEveryTierIsHonouredOnTheLastTier() {
        RetryPolicy patient = new RetryPolicy(8, Duration.ofSeconds(30), 2, Duration.ofHours(1), Duration.ofHours(6));
        RetryDecision d = patient.afterRetryableFailure(1, Optional.of(Duration.ofHours(3)), now);
        assertThat(d).isEqualTo(new RetryDecision.Retry(7, now.plus(Duration.ofHours(3)), Duration.ofHours(3)));
    }

    @Test
    void retryAfterBeyondTheCeilingIsCutToIt() {
        RetryDecision threeHours = defaults.afterRetryableFailure(1, Optional.of(Duration.ofHours(3)), now);
        RetryDecision twoBillionSeconds =
                defaults.afterRetryableFailure(1, Optional.of(Duration.ofSeconds(2_000_000_000L)), now);

        RetryDecision oneHour = new RetryDecision.Retry(7, now.plus(Duration.ofHours(1)), Duration.ofHours(1));
        assertThat(threeHours).isEqualTo(oneHour);
        assertThat(twoBillionSeconds).isEqualTo(oneHour);
    }

    @Test
    void noPermitSpendsNoAttemptAndNeverDeadLetters() {
        assertThat(defaults.afterNoPermit(now))
                .isEqualTo(new RetryDecision.Retry(1, now.plusSeconds(30), Duration.ofSeconds(30)));
        assertThat(new RetryPolicy(1, Duration.ofSeconds(30), 2, Duration.ofHours(1)).afterNoPermit(now))
                .as("without a retry tier there is nowhere else to go")
                .isInstanceOf(RetryDecision.DeadLetter.class);
    }

    @Test
    void recordFromATierAboveALoweredMaximumGetsOneMoreAttemptThenTheDlt() {
        RetryPolicy lowered = new RetryPolicy(4, Duration.ofSeconds(30), 2, Duration.ofHours(1));

        RetryDecision d = lowered.afterRetryableFailure(7, Optional.empty(), now);

        assertThat(d).isInstanceOf(RetryDecision.DeadLetter.class);
        assertThat(((RetryDecision.DeadLetter) d).reason()).contains("7 attempts");
        assertThat(lowered.tierDelay(6)).isEqualTo(Duration.ofSeconds(30 * 32));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new RetryPolicy(0, Duration.ofSeconds(1), 2, Duration.ofSeconds(2)))
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(10), 0.5, Duration.ofSeconds(20)))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(1), 2, Duration.ofSeconds(2), Duration.ZERO))
                .hasMessageContaining("Retry-After");
    }
}
