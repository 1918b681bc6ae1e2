package io.provisioner.db.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.Bucket;
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

    @Test
    void aFailureOfTheBucketFailsEveryCallerOfTheBatch() {
        Bucket broken = (Bucket) Proxy.newProxyInstance(
                Bucket.class.getClassLoader(), new Class<?>[] {Bucket.class}, (proxy, method, args) -> {
                    throw new IllegalStateException("database down");
                });
        PermitBatcher batcher = new PermitBatcher(
                broken, UNITS, PermitBatcher.nanosPerToken(RateLimiters.configuration(10)), time, () -> time.nanos);
        List<Request> batch = requests(2, 0, PLENTY);

        batcher.serve(batch);

        assertThat(batch).allSatisfy(r -> {
            assertThat(r.served).isTrue();
            assertThat(r.failure).hasMessage("database down");
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
