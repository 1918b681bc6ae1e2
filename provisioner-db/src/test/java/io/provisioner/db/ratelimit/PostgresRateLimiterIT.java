package io.provisioner.db.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.Database;
import io.provisioner.db.Migrator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(SharedInfra.class)
class PostgresRateLimiterIT {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresRateLimiterIT.class);
    private static final double RATE = 5;
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void twoInstancesTogetherNeverExceedTheRate(Infra infra) throws Exception {
        assertTwoInstancesShareOneBucket(infra, RATE, RATE, (int) RATE + 1);
    }

    /** A rolling change of OR_DELAY_MS: the instance started last brings the newest rate, and both use it. */
    @Test
    void instancesAtDifferentRatesShareOneBucketAtTheNewestRate(Infra infra) throws Exception {
        assertTwoInstancesShareOneBucket(infra, 5, 4, 5 + 1);
    }

    /**
     * A rolling change of the rate while a backlog drains: the instances at the old rate are
     * running when one at the new rate starts (versions as in production: start times). No second may
     * hold more than the larger rate plus one call, whichever way the rate changes.
     */
    @Test
    void aRollingRateChangeWhileABacklogDrainsNeverExceedsTheLargerRatePlusOne(Infra infra) throws Exception {
        for (double[] rates : new double[][] {{5, 4}, {4, 5}}) {
            List<Long> permits = drainDuringRollingChange(infra, rates[0], rates[1], 60);
            int max = maxInAnyOneSecondWindow(permits);
            LOG.info(
                    "rolling change {}/s -> {}/s: {} permits, at most {} in one second",
                    rates[0],
                    rates[1],
                    permits.size(),
                    max);
            assertThat(max).isLessThanOrEqualTo((int) Math.max(rates[0], rates[1]) + 1);
        }
    }

    /**
     * The threads of one instance that ask at the same time (six at once, round after round) share one
     * reservation (one row lock and one commit), and the calls still keep to the rate: when an instance
     * with a newer, slower rate joins, the first instance's shared reservations follow that rate too,
     * within the second its permits were reserved for.
     */
    @Test
    void callersOfOneInstanceShareReservationsAndKeepToTheRateInForce(Infra infra) throws Exception {
        onTwoInstances(infra, (a, b, schema, pool) -> {
            ExecutorService threads = Executors.newFixedThreadPool(9);
            try {
                BucketRateLimiter first =
                        (BucketRateLimiter) RateLimiters.postgres(a, schema, 200, 1_000, Clock.systemUTC());
                long start = System.nanoTime();
                long end = start + Duration.ofSeconds(4).toNanos();
                CyclicBarrier together = new CyclicBarrier(6);
                List<Future<List<Long>>> firsts = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    firsts.add(threads.submit(() -> acquireInRounds(first, together, end)));
                }
                Thread.sleep(1500);
                RateLimiter second = RateLimiters.postgres(b, schema, 100, 2_000, Clock.systemUTC());
                long joined = System.nanoTime();
                List<Future<List<Long>>> seconds = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    seconds.add(threads.submit(() -> acquireUntil(second, end)));
                }
                List<Long> ofFirst = new ArrayList<>();
                for (Future<List<Long>> run : firsts) {
                    ofFirst.addAll(run.get());
                }
                List<Long> all = new ArrayList<>(ofFirst);
                for (Future<List<Long>> run : seconds) {
                    all.addAll(run.get());
                }
                List<Long> before = all.stream().filter(t -> t < joined).toList();
                List<Long> settled =
                        all.stream().filter(t -> t >= joined + SECOND).toList();
                LOG.info(
                        "200/s then 100/s: {} permits of the first instance in {} reservations; at most {} in one"
                                + " second before the second joined, {} a second after",
                        ofFirst.size(),
                        first.reservations(),
                        maxInAnyOneSecondWindow(before),
                        maxInAnyOneSecondWindow(settled));

                assertThat(first.reservations())
                        .as("reservations of the first instance")
                        .isLessThan(ofFirst.size() / 2);
                assertThat(maxInAnyOneSecondWindow(before)).isBetween(150, 201);
                assertThat(maxInAnyOneSecondWindow(settled)).isBetween(75, 101);
                assertThat(maxInAnyOneSecondWindow(all)).isLessThanOrEqualTo(201);
                return null;
            } finally {
                threads.shutdownNow();
            }
        });
    }

    private static List<Long> drainDuringRollingChange(Infra infra, double oldRate, double newRate, int backlog)
            throws Exception {
        return onTwoInstances(infra, (a, b, schema, pool) -> {
            AtomicInteger left = new AtomicInteger(backlog);
            List<Long> permits = Collections.synchronizedList(new ArrayList<>());
            RateLimiter old = RateLimiters.postgres(a, schema, oldRate, Clock.systemUTC());
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> drain(old, left, permits)));
            }
            await().until(() -> permits.size() >= 10);
            RateLimiter started = RateLimiters.postgres(b, schema, newRate, Clock.systemUTC());
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> drain(started, left, permits)));
            }
            for (Future<?> run : runs) {
                run.get();
            }
            return new ArrayList<>(permits);
        });
    }

    /** What runs on two instances (a pool each) of one pipeline, with four threads to run them on. */
    private interface TwoInstances<T> {
        T run(HikariDataSource a, HikariDataSource b, String schema, ExecutorService pool) throws Exception;
    }

    /** Runs {@code body} on a fresh migrated schema, dropped afterwards. */
    private static <T> T onTwoInstances(Infra infra, TwoInstances<T> body) throws Exception {
        String schema = TestNames.unique("rl");
        DatabaseConfig cfg = new DatabaseConfig(
                infra.jdbcUrl(), Optional.of(infra.dbUser()), Optional.of(new Secret(infra.dbPassword())));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (HikariDataSource a = Database.open(cfg, schema + "_a", 3);
                HikariDataSource b = Database.open(cfg, schema + "_b", 3)) {
            try {
                Migrator.migrate(a, schema);
                return body.run(a, b, schema, pool);
            } finally {
                try (Connection c = a.getConnection()) {
                    c.createStatement().execute("drop schema if exists " + schema + " cascade");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Void drain(RateLimiter limiter, AtomicInteger left, List<Long> permits) throws InterruptedException {
        while (left.get() > 0) {
            if (limiter.acquire(Duration.ofSeconds(10)) && left.getAndDecrement() > 0) {
                permits.add(System.nanoTime());
            }
        }
        return null;
    }

    /** A 429 seen by one instance slows the other: the pause of its Retry-After, then half the rate. */
    @Test
    void aRateLimitSeenByOneInstanceSlowsEveryInstance(Infra infra) throws Exception {
        String schema = TestNames.unique("rl");
        DatabaseConfig cfg = new DatabaseConfig(
                infra.jdbcUrl(), Optional.of(infra.dbUser()), Optional.of(new Secret(infra.dbPassword())));
        try (HikariDataSource a = Database.open(cfg, schema + "_a", 2);
                HikariDataSource b = Database.open(cfg, schema + "_b", 2)) {
            Migrator.migrate(a, schema);
            RateLimiter first = RateLimiters.postgres(a, schema, RATE, 1_000, Clock.systemUTC());
            assertThat(first.acquire(Duration.ofSeconds(1))).isTrue();

            first.rateLimited(Duration.ofSeconds(3));
            BucketRateLimiter second =
                    (BucketRateLimiter) RateLimiters.postgres(b, schema, RATE, 2_000, Clock.systemUTC());

            assertThat(second.acquire(Duration.ofSeconds(1)))
                    .as("no permit while the server's Retry-After lasts")
                    .isFalse();
            assertThat(second.acquire(Duration.ofSeconds(10))).isTrue();
            assertThat(second.share()).isBetween(0.5, 0.9);
        }
    }

    /**
     * One 429 with {@code Retry-After: 7200} for one owner: every instance pauses for the short shared
     * pause only, {@code status} shows it while it lasts, and it is gone once it has ended, restarts
     * included; a two-hour pause an older version stored holds nobody.
     */
    @Test
    void aLongRetryAfterPausesEveryInstanceBrieflyIsShownAndEnds(Infra infra) throws Exception {
        Duration sharedPause = Duration.ofSeconds(2);
        onTwoInstances(infra, (a, b, schema, pool) -> {
            RateLimiter first = RateLimiters.postgres(a, schema, RATE, 1_000, sharedPause, Clock.systemUTC());
            assertThat(first.acquire(Duration.ofSeconds(1))).isTrue();

            first.rateLimited(Duration.ofHours(2));
            Instant shownByStatus =
                    RateLimiters.throttledUntil(b, schema, Clock.systemUTC()).orElseThrow();
            RateLimiter restarted = RateLimiters.postgres(b, schema, RATE, 2_000, sharedPause, Clock.systemUTC());
            Instant shownByInstance = restarted.throttledUntil().orElseThrow();
            boolean permit = restarted.acquire(Duration.ofSeconds(10));

            assertThat(shownByStatus).isBefore(Instant.now().plus(sharedPause));
            assertThat(shownByInstance).isEqualTo(shownByStatus);
            assertThat(permit)
                    .as("another instance calls again after the shared pause")
                    .isTrue();
            assertThat(RateLimiters.throttledUntil(b, schema, Clock.systemUTC()))
                    .as("the pause is over")
                    .isEmpty();

            try (Connection c = a.getConnection()) {
                long now = System.currentTimeMillis();
                c.createStatement()
                        .execute("update " + schema + ".provisioner_rate_limit set state = convert_to('"
                                + new AimdRate(
                                                1,
                                                0,
                                                0,
                                                now + Duration.ofHours(2).toMillis())
                                        .encode()
                                + "', 'UTF8') where id = " + PostgresAdaptiveState.ROW_ID);
            }
            RateLimiter afterUpgrade = RateLimiters.postgres(b, schema, RATE, 3_000, sharedPause, Clock.systemUTC());
            assertThat(afterUpgrade.acquire(Duration.ofSeconds(1)))
                    .as("a two-hour pause stored by an older version holds nobody")
                    .isTrue();
            assertThat(afterUpgrade.throttledUntil()).isEmpty();
            return null;
        });
    }

    private static void assertTwoInstancesShareOneBucket(Infra infra, double rateA, double rateB, int most)
            throws Exception {
        onTwoInstances(infra, (a, b, schema, pool) -> {
            RateLimiter first = RateLimiters.postgres(a, schema, rateA, 1_000, Clock.systemUTC());
            RateLimiter second = RateLimiters.postgres(b, schema, rateB, 2_000, Clock.systemUTC());
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();

            List<Future<List<Long>>> runs = new ArrayList<>();
            for (RateLimiter limiter : List.of(first, first, second, second)) {
                runs.add(pool.submit(() -> acquireUntil(limiter, deadline)));
            }
            List<Long> all = new ArrayList<>();
            List<Integer> perThread = new ArrayList<>();
            for (Future<List<Long>> run : runs) {
                List<Long> times = run.get();
                perThread.add(times.size());
                all.addAll(times);
            }

            assertThat(perThread.get(0) + perThread.get(1))
                    .as("permits of instance one")
                    .isPositive();
            assertThat(perThread.get(2) + perThread.get(3))
                    .as("permits of instance two")
                    .isPositive();
            int max = maxInAnyOneSecondWindow(all);
            LOG.info("at {}/s and {}/s: {} permits in 3 s, at most {} in one second", rateA, rateB, all.size(), max);
            assertThat(max).isLessThanOrEqualTo(most);
            return null;
        });
    }

    private static List<Long> acquireUntil(RateLimiter limiter, long deadline) throws InterruptedException {
        List<Long> times = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            if (limiter.acquire(Duration.ofSeconds(2))) {
                times.add(System.nanoTime());
            }
        }
        return times;
    }

    /** Permits taken in rounds: every thread of the round asks at the same moment. */
    private static List<Long> acquireInRounds(RateLimiter limiter, CyclicBarrier round, long deadline)
            throws InterruptedException {
        List<Long> times = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            try {
                round.await(5, TimeUnit.SECONDS);
            } catch (BrokenBarrierException | TimeoutException e) {
                // another thread of the round saw the deadline first
                return times;
            }
            if (limiter.acquire(Duration.ofSeconds(2))) {
                times.add(System.nanoTime());
            }
        }
        round.reset();
        return times;
    }

    private static int maxInAnyOneSecondWindow(List<Long> times) {
        List<Long> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        int max = 0;
        int start = 0;
        for (int end = 0; end < sorted.size(); end++) {
            while (sorted.get(end) - sorted.get(start) >= SECOND) {
                start++;
            }
            max = Math.max(max, end - start + 1);
        }
        return max;
    }
}
