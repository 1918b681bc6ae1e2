package io.provisioner.db.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.provisioner.db.ratelimit.PermitBatcher.Request;
import io.provisioner.db.ratelimit.RateLimitersTest.FakeTime;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Callers served together: one reservation, each due when its own share of the tokens is. */
class PermitBatcherTest {

    private static final long UNITS = RateLimiters.UNITS;
    private static final long MS = 1_000_000;
    private static final long PLENTY = Duration.ofSeconds(10).toNanos();

    private final FakeTime time = new FakeTime();

    private Bucket bucketAt(double rate) {
        return Bucket.builder()
                .addLimit(RateLimiters.configuration(rate).getBandwidths()[0])
                .withCustomTimePrecision(time)
                .build();
    }

    private PermitBatcher batcher(Bucket bucket, double ownRate) {
        return new PermitBatcher(
                bucket,
                UNITS,
                PermitBatcher.nanosPerToken(RateLimiters.configuration(ownRate)),
                time,
                () -> time.nanos);
    }

    /** A bucket whose every operation throws {@code failure}, as one whose database is gone. */
    private static Bucket failingWith(Throwable failure) {
        return (Bucket) Proxy.newProxyInstance(
                Bucket.class.getClassLoader(), new Class<?>[] {Bucket.class}, (proxy, method, args) -> {
                    throw failure;
                });
    }

    private List<Request> requests(int n, long extraTokens, long maxWait) {
        List<Request> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Request(UNITS + extraTokens, time.nanos + maxWait));
        }
        return out;
    }

    private List<Long> dueAfterNow(List<Request> batch) {
        List<Long> out = new ArrayList<>();
        for (Request r : batch) {
            assertThat(r.served).isTrue();
            out.add(r.granted ? (r.dueAt - time.nanos) / MS : -1);
        }
        return out;
    }

    @Test
    void fiveCallersShareOneReservationAndAreDueOnePeriodApart() {
        PermitBatcher batcher = batcher(bucketAt(10), 10);
        List<Request> batch = requests(5, 0, PLENTY);

        batcher.serve(batch);

        assertThat(batcher.reservations()).isEqualTo(1);
        assertThat(dueAfterNow(batch)).containsExactly(0L, 100L, 200L, 300L, 400L);
    }

    /**
     * Another instance started with a slower rate, and the shared bucket applies it: the callers are spaced
     * by the rate in force, which the reservation reports, not by this process's own.
     */
    @Test
    void callersAreSpacedByTheRateTheBucketAppliesNotThisProcesss() {
        Bucket bucket = bucketAt(10);
        bucket.replaceConfiguration(RateLimiters.configuration(4), TokensInheritanceStrategy.AS_IS);
        PermitBatcher batcher = batcher(bucket, 10);
        List<Request> batch = requests(4, 0, PLENTY);

        batcher.serve(batch);

        assertThat(dueAfterNow(batch)).containsExactly(0L, 250L, 500L, 750L);
    }

    @Test
    void theNextBatchQueuesBehindTheLastOnesPermits() {
        PermitBatcher batcher = batcher(bucketAt(10), 10);
        batcher.serve(requests(3, 0, PLENTY));
        List<Request> next = requests(2, 0, PLENTY);

        batcher.serve(next);

        assertThat(dueAfterNow(next)).containsExactly(300L, 400L);
    }

    /** A slowed-down rate's tokens on credit: each caller waits for its own slowdown and those before it. */
    @Test
    void tokensTakenOnCreditDelayTheCallerThatTookThemAndThoseAfterIt() {
        PermitBatcher batcher = batcher(bucketAt(10), 10);
        List<Request> batch = requests(3, UNITS, PLENTY);

        batcher.serve(batch);

        assertThat(dueAfterNow(batch)).containsExactly(100L, 300L, 500L);
    }

    /**
     * With a long queue the callers are reserved one by one, each with its deadline: one whose permit
     * would come too late gets none, and nothing is reserved for it.
     */
    @Test
    void behindALongQueueEachCallerIsReservedAloneWithItsDeadline() {
        PermitBatcher batcher = batcher(bucketAt(1), 1);
        batcher.serve(requests(3, 0, PLENTY));
        List<Request> late = requests(2, 0, Duration.ofMillis(2500).toNanos());

        batcher.serve(late);
        List<Request> after = requests(1, 0, PLENTY);
        batcher.serve(after);

        assertThat(batcher.reservations()).isEqualTo(1 + 2 + 1);
        assertThat(dueAfterNow(late)).containsExactly(-1L, -1L);
        assertThat(dueAfterNow(after)).containsExactly(3000L);
    }

    /**
     * A batch whose last caller's permit falls past its deadline (another instance's rate is far slower
     * than this one expected): that caller gets none, its slot stays unused, and the next callers are
     * reserved alone for a while.
     */
    @Test
    void aBatchedCallerWhosePermitComesTooLateGetsNoneAndBatchingPauses() {
        Bucket bucket = bucketAt(100);
        bucket.replaceConfiguration(RateLimiters.configuration(1), TokensInheritanceStrategy.AS_IS);
        PermitBatcher batcher = batcher(bucket, 100);
        List<Request> batch = requests(3, 0, Duration.ofMillis(1500).toNanos());

        batcher.serve(batch);
        List<Request> next = requests(2, 0, PLENTY);
        batcher.serve(next);

        assertThat(dueAfterNow(batch)).containsExactly(0L, 1000L, -1L);
        assertThat(batcher.reservations()).isEqualTo(1 + 2);
        assertThat(dueAfterNow(next)).containsExactly(3000L, 4000L);
    }

    /**
     * The bucket reads its clock only once it holds its row (a shared bucket waits for the row lock first):
     * the callers' times count from its answer, so a wait for the lock never makes them early.
     */
    @Test
    void theCallersTimesCountFromTheBucketsAnswerNotFromTheRequest() {
        long[] lockWait = {0};
        TimeMeter clock = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                time.nanos += lockWait[0];
                lockWait[0] = 0;
                return time.nanos;
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
        Bucket bucket = Bucket.builder()
                .addLimit(RateLimiters.configuration(10).getBandwidths()[0])
                .withCustomTimePrecision(clock)
                .build();
        PermitBatcher batcher = batcher(bucket, 10);
        long asked = time.nanos;
        List<Request> batch = requests(3, 0, PLENTY);
        lockWait[0] = 200 * MS;

        batcher.serve(batch);

        assertThat(batch).extracting(r -> (r.dueAt - asked) / MS).containsExactly(200L, 300L, 400L);
    }

    /**
     * A caller refused for a short wait shows a queue longer than it: callers after it are not batched into
     * that queue, where one of them would miss its deadline and leave its slot unused.
     */
    @Test
    void aRefusalForAShortWaitKeepsTheNextCallersOutOfABatch() {
        PermitBatcher batcher = batcher(bucketAt(1), 1);
        batcher.serve(requests(1, 0, PLENTY));
        batcher.serve(requests(3, 0, PLENTY));
        batcher.serve(requests(1, 0, Duration.ofMillis(500).toNanos()));
        List<Request> tight = requests(2, 0, Duration.ofMillis(4500).toNanos());

        batcher.serve(tight);
        List<Request> next = requests(1, 0, PLENTY);
        batcher.serve(next);

        assertThat(dueAfterNow(tight)).containsExactly(4000L, -1L);
        assertThat(dueAfterNow(next)).as("no slot left unused before it").containsExactly(5000L);
    }

    @Test
    void aFailureOfTheBucketFailsEveryCallerOfTheBatch() {
        PermitBatcher batcher = batcher(failingWith(new IllegalStateException("database down")), 10);
        List<Request> batch = requests(2, 0, PLENTY);

        batcher.serve(batch);

        assertThat(batch).allSatisfy(r -> {
            assertThat(r.served).isTrue();
            assertThat(r.failure).hasMessage("database down");
        });
    }

    /** An error of the JVM (out of memory, a driver's linkage error) leaves no caller waiting for ever. */
    @Test
    void anErrorOfTheBucketStillAnswersEveryCallerOfTheBatch() {
        PermitBatcher batcher = batcher(failingWith(new OutOfMemoryError("test")), 10);
        List<Request> batch = requests(2, 0, PLENTY);

        assertThatThrownBy(() -> batcher.serve(batch)).isInstanceOf(OutOfMemoryError.class);

        assertThat(batch).allSatisfy(r -> {
            assertThat(r.served).isTrue();
            assertThat(r.failure).hasMessageContaining("rate limiter failed");
        });
    }

    @Test
    void aCallerTakesItsPermitAndWaitsForItsOwnTurn() throws Exception {
        PermitBatcher batcher = batcher(bucketAt(10), 10);

        assertThat(batcher.take(0, PLENTY)).isTrue();
        assertThat(batcher.take(0, PLENTY)).isTrue();
        assertThat(batcher.take(0, Duration.ofMillis(50).toNanos())).isFalse();

        assertThat(time.parks).containsExactly(100 * MS);
    }
}
