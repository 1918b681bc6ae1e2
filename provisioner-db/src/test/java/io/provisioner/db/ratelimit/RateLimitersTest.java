package io.provisioner.db.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.TimeMeter;
import io.provisioner.core.ports.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitersTest {

    /** A clock that only moves when the limiter parks. */
    static final class FakeTime implements TimeMeter, BlockingStrategy {
        long nanos = 1_000_000_000L;
        final List<Long> parks = new ArrayList<>();

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }

        @Override
        public void park(long parkNanos) {
            parks.add(parkNanos);
            nanos += parkNanos;
        }
    }

    @Test
    void periodIsOneSecondDividedByTheRate() {
        assertThat(RateLimiters.period(1000.0 / 1100)).isEqualTo(Duration.ofMillis(1100));
        assertThat(RateLimiters.period(5)).isEqualTo(Duration.ofMillis(200));
        assertThat(RateLimiters.period(0.5)).isEqualTo(Duration.ofSeconds(2));
    }

    /**
     * OpenRouter counts arrivals: with each call arriving up to 30 ms after its permit, no 1-s window of
     * arrivals holds more than the rate plus one, at 100/s as at 20/s, and at 20/s the full rate is kept.
     */
    @Test
    void arrivalsUpTo30MsLateNeverPutMoreThanTheRatePlusOneIntoASecond() throws Exception {
        for (double rate : new double[] {20, 100, 500}) {
            FakeTime time = new FakeTime();
            RateLimiter limiter = RateLimiters.local(rate, time, time);
            List<Long> arrivals = new ArrayList<>();
            for (int i = 0; i < 3 * (int) rate; i++) {
                assertThat(limiter.acquire(Duration.ofSeconds(5))).isTrue();
                // the first call of a window late, the others on time: the worst case for a window
                arrivals.add(time.nanos + (i % (int) rate == 0 ? RateLimiters.ARRIVAL_JITTER.toNanos() : 0));
            }
            arrivals.sort(null);
            int busiest = 0;
            for (int i = 0, j = 0; i < arrivals.size(); i++) {
                while (j < arrivals.size() && arrivals.get(j) < arrivals.get(i) + 1_000_000_000L) {
                    j++;
                }
                busiest = Math.max(busiest, j - i);
            }
            assertThat(busiest).as("busiest second at %s/s", rate).isLessThanOrEqualTo((int) rate + 1);
        }
        assertThat(RateLimiters.spacedRate(20)).isEqualTo(20);
        assertThat(RateLimiters.spacedRate(100)).isBetween(98.0, 98.1);
    }

    /**
     * The shared state lives in a database row, and reading it can take long (a cold pool, a busy row):
     * done between the end of a permit's wait and the call, it let permits spaced apart arrive at
     * OpenRouter together (a second instance starting during a rolling change put 7 creates into one second
     * at 5/s). Every acquisition after the first waits for its slot; none reads the shared state after it.
     */
    @Test
    void noSharedStateIsReadBetweenTheEndOfAPermitsWaitAndTheCall() throws Exception {
        FakeTime time = new FakeTime();
        List<Integer> readsAfterTheWait = new ArrayList<>();
        boolean[] waited = {false};
        BlockingStrategy recording = parkNanos -> {
            time.park(parkNanos);
            waited[0] = true;
        };
        AdaptiveState slowRow = new AdaptiveState() {
            @Override
            public AimdRate current() {
                if (waited[0]) {
                    readsAfterTheWait.add(1);
                }
                time.nanos += 150_000_000L; // a slow read of the row
                return AimdRate.FULL;
            }

            @Override
            public AimdRate lastKnown() {
                return AimdRate.FULL;
            }

            @Override
            public void rateLimited(long now, Duration retryAfterOrNull) {}
        };
        io.github.bucket4j.Bucket bucket = io.github.bucket4j.Bucket.builder()
                .addLimit(RateLimiters.configuration(5).getBandwidths()[0])
                .withCustomTimePrecision(time)
                .build();
        BucketRateLimiter limiter = new BucketRateLimiter(
                bucket,
                RateLimiters.configuration(5),
                recording,
                slowRow,
                () -> time.nanos / 1_000_000,
                () -> time.nanos,
                Duration.ofMinutes(1),
                "test");

        for (int i = 0; i < 10; i++) {
            waited[0] = false;
            assertThat(limiter.acquire(Duration.ofSeconds(5))).isTrue();
        }

        assertThat(time.parks).as("permits waited for").hasSizeGreaterThanOrEqualTo(9);
        assertThat(readsAfterTheWait)
                .as("reads of the shared state after a permit's wait")
                .isEmpty();
    }

    @Test
    void rejectsRatesThatAreNotPositiveNumbers() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> RateLimiters.local(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("permitsPerSecond");
        }
    }

    @Test
    void firstPermitIsImmediateAndEachNextWaitsOnePeriod() throws Exception {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiters.local(1000.0 / 1100, time, time);
        long start = time.nanos;

        for (int i = 0; i < 10; i++) {
            assertThat(limiter.acquire(Duration.ofSeconds(5))).isTrue();
        }

        assertThat(time.nanos - start).isEqualTo(Duration.ofMillis(9 * 1100).toNanos());
    }

    @Test
    void givesUpWithoutTakingAPermitWhenTheWaitWouldBeTooLong() throws Exception {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiters.local(1, time, time);
        assertThat(limiter.acquire(Duration.ZERO)).isTrue();

        boolean second = limiter.acquire(Duration.ofMillis(500));
        time.nanos += Duration.ofSeconds(1).toNanos();
        boolean third = limiter.acquire(Duration.ZERO);

        assertThat(second).isFalse();
        assertThat(time.parks).isEmpty();
        assertThat(third).isTrue();
    }

    @Test
    void unusedTimeDoesNotBuildABurstBeyondOnePermit() throws Exception {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiters.local(2, time, time);
        time.nanos += Duration.ofMinutes(1).toNanos();

        boolean first = limiter.acquire(Duration.ZERO);
        boolean second = limiter.acquire(Duration.ZERO);

        assertThat(first).isTrue();
        assertThat(second).isFalse();
    }

    @Test
    void aRateLimitedAnswerSpacesTheNextCallsTwiceAsFar() throws Exception {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiters.local(10, time, time);
        limiter.acquire(Duration.ofSeconds(5));

        limiter.rateLimited(null);
        long start = time.nanos;
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire(Duration.ofSeconds(5))).isTrue();
        }

        // at the configured 10/s these five would take 0.4 to 0.5 s
        assertThat(Duration.ofNanos(time.nanos - start)).isBetween(Duration.ofMillis(750), Duration.ofMillis(1000));
    }

    @Test
    void retryAfterLetsNobodyCallBeforeIt() throws Exception {
        FakeTime time = new FakeTime();
        RateLimiter limiter = RateLimiters.local(10, time, time);
        long start = time.nanos;

        limiter.rateLimited(Duration.ofSeconds(2));
        boolean tooSoon = limiter.acquire(Duration.ofSeconds(1));
        boolean afterPause = limiter.acquire(Duration.ofSeconds(5));

        assertThat(tooSoon).isFalse();
        assertThat(afterPause).isTrue();
        assertThat(Duration.ofNanos(time.nanos - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aRetryAfterOfTwoHoursPausesOtherCallersOnlyForTheSharedPauseAndSaysUntilWhen() throws Exception {
        FakeTime time = new FakeTime();
        BucketRateLimiter limiter = RateLimiters.local(10, time, time, Duration.ofSeconds(20));
        long start = time.nanos;

        limiter.rateLimited(Duration.ofHours(2));
        var shown = limiter.throttledUntil();
        boolean afterShortPause = limiter.acquire(Duration.ofSeconds(30));

        assertThat(shown).contains(java.time.Instant.ofEpochMilli((start / 1_000_000) + 20_000));
        assertThat(afterShortPause)
                .as("a permit once the 20-s shared pause is over")
                .isTrue();
        assertThat(Duration.ofNanos(time.nanos - start)).isLessThan(Duration.ofSeconds(21));
        assertThat(limiter.throttledUntil()).as("not throttled once it ended").isEmpty();
    }

    @Test
    void theSharedPauseIsAMinuteAtMost() {
        assertThat(RateLimiters.sharedPause(Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(1));
        assertThat(RateLimiters.sharedPause(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
        FakeTime time = new FakeTime();
        assertThatThrownBy(() -> RateLimiters.local(1, time, time, Duration.ofMinutes(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
