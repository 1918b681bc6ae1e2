package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.provisioner.core.errors.PermitUnavailableException;
import io.provisioner.core.errors.RateLimitedException;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ThrottledCallsTest {

    private final NoWaitRateLimiter limiter = new NoWaitRateLimiter();
    /** A clock that moves only when the calls sleep. */
    private final AtomicLong nanos = new AtomicLong();

    private final List<Duration> sleeps = new ArrayList<>();
    private final ThrottledCalls calls = new ThrottledCalls(
            new FakeKeysApi(),
            limiter,
            Duration.ofSeconds(10),
            Duration.ofHours(1),
            d -> {
                sleeps.add(d);
                nanos.addAndGet(d.toNanos());
            },
            nanos::get);

    /** Answers 429 (with {@code retryAfter}) {@code times} times, then "ok". */
    private static Supplier<String> refusedThenOk(int times, Duration retryAfter, AtomicInteger made) {
        return () -> {
            if (made.incrementAndGet() <= times) {
                throw (RateLimitedException) FakeKeysApi.http(429, retryAfter).get();
            }
            return "ok";
        };
    }

    @Test
    void a429IsMadeAgainOnTheNextPermitAfterTheLimiterWasToldToSlowDown() {
        AtomicInteger made = new AtomicInteger();

        String result = calls.call("POST /keys", refusedThenOk(2, null, made));

        assertThat(result).isEqualTo("ok");
        assertThat(made).hasValue(3);
        assertThat(limiter.granted()).as("a permit for every call made").isEqualTo(3);
        assertThat(limiter.rateLimitedCalls()).hasSize(2);
    }

    @Test
    void theCallIsMadeAgainOnlyAfterItsRetryAfter() {
        AtomicInteger made = new AtomicInteger();

        String result = calls.call("POST /keys", refusedThenOk(1, Duration.ofSeconds(3), made));

        assertThat(result).isEqualTo("ok");
        assertThat(sleeps).containsExactly(Duration.ofSeconds(3));
        assertThat(limiter.rateLimitedCalls()).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void retryAftersThatTogetherOutlastOnePermitWaitLeaveTheLast429ToTheCaller() {
        AtomicInteger made = new AtomicInteger();

        assertThatThrownBy(() -> calls.call("POST /keys", refusedThenOk(2, Duration.ofSeconds(6), made)))
                .isInstanceOf(RateLimitedException.class);
        assertThat(made).as("6 s + 6 s would pass the 10-s permit wait").hasValue(2);
        assertThat(sleeps).containsExactly(Duration.ofSeconds(6));
    }

    @Test
    void theThird429InARowGoesToTheCaller() {
        AtomicInteger made = new AtomicInteger();

        assertThatThrownBy(() -> calls.call("POST /keys", refusedThenOk(3, null, made)))
                .isInstanceOf(RateLimitedException.class);
        assertThat(made).hasValue(1 + ThrottledCalls.RATE_LIMITED_RETRIES);
        assertThat(limiter.rateLimitedCalls()).hasSize(3);
    }

    @Test
    void aRetryAfterBeyondThePermitWaitGoesToTheCallerAtOnceWithItsRetryAfter() {
        AtomicInteger made = new AtomicInteger();

        assertThatThrownBy(() -> calls.call("POST /keys", refusedThenOk(1, Duration.ofSeconds(60), made)))
                .isInstanceOfSatisfying(RateLimitedException.class, e -> assertThat(e.retryAfter())
                        .contains(Duration.ofSeconds(60)));
        assertThat(made).hasValue(1);
        assertThat(limiter.rateLimitedCalls()).containsExactly(Duration.ofSeconds(60));
    }

    @Test
    void noPermitAfterA429LeavesThe429ToTheCaller() {
        AtomicInteger made = new AtomicInteger();
        Supplier<String> call = () -> {
            made.incrementAndGet();
            limiter.deny(true);
            throw (RateLimitedException) FakeKeysApi.http(429, null).get();
        };

        assertThatThrownBy(() -> calls.call("POST /keys", call)).isInstanceOf(RateLimitedException.class);
        assertThat(made).hasValue(1);
    }

    @Test
    void anEndlessRetryAfterIsCutToTheCeilingBeforeTheLimiterHearsOfIt() {
        AtomicInteger made = new AtomicInteger();
        Duration endless = Duration.ofSeconds(10_000_000_000L); // more nanoseconds than a long holds

        assertThatThrownBy(() -> calls.call("POST /keys", refusedThenOk(1, endless, made)))
                .isInstanceOf(RateLimitedException.class);
        assertThat(made).hasValue(1);
        assertThat(limiter.rateLimitedCalls())
                .as("every other caller pauses for at most the ceiling")
                .containsExactly(Duration.ofHours(1));
    }

    @Test
    void noPermitIsToldApartAsNothingSent() {
        limiter.deny(true);
        AtomicInteger made = new AtomicInteger();

        assertThatThrownBy(() -> calls.call("POST /keys", refusedThenOk(0, null, made)))
                .isInstanceOf(PermitUnavailableException.class);
        assertThat(made).hasValue(0);
    }
}
