package io.provisioner.db.ratelimit;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.db.schema.Tables;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The rate limiters of {@code OR_RATE_LIMITER}: a bucket of capacity one (a burst of a single call)
 * refilled greedily at the rate, so that calls never exceed it, in any window longer than one period,
 * by more than the one stored permit. Fractional rates work: 1000 / 1100 ms is one call per 1.1 s.
 * Both adapt to OpenRouter's 429s ({@link AimdRate}): slower for a while, never faster than configured;
 * the {@code postgres} one shares that state with every instance.
 */
public final class RateLimiters {

    /** Rates above this are rejected: one permit per microsecond is no limit for an HTTP API. */
    static final double MAX_RATE = 1_000_000;

    /** Tokens per call: a slowed-down rate takes a fraction of a call's spacing on credit. */
    static final long UNITS = 1_000;

    /** The row of the one bucket a pipeline's instances share, whatever rate each is configured with. */
    static final long BUCKET_ID = 1;

    /**
     * The longest pause one {@code Retry-After} imposes on every caller of a limiter (the request that
     * got it is held up to {@code OR_MAX_RETRY_AFTER}, but alone): one answer for one owner cannot stop
     * the pipeline for longer.
     */
    public static final Duration MAX_SHARED_PAUSE = Duration.ofMinutes(1);

    private RateLimiters() {}

    /** The pause a {@code Retry-After} imposes on every caller: at most {@code OR_BACKOFF_MAX_MS} and a minute. */
    public static Duration sharedPause(Duration backoffMax) {
        return backoffMax.compareTo(MAX_SHARED_PAUSE) < 0 ? backoffMax : MAX_SHARED_PAUSE;
    }

    /** A limiter for this process only; a {@code Retry-After} pauses it for {@link #MAX_SHARED_PAUSE} at most. */
    /**
     * The limiter {@code OR_RATE_LIMITER} names: with {@code postgres}, the bucket every instance and command
     * shares, in the schema of the source tables. A {@code Retry-After} pauses every caller for at most
     * {@link #sharedPause}; the request that got it waits on alone.
     */
    public static RateLimiter configured(ProvisionerConfig config, DataSource ds, Clock clock) {
        Duration pause = sharedPause(config.retry().maxDelay());
        return config.throttle().limiter() == ProvisionerConfig.RateLimiterKind.LOCAL
                ? local(config.throttle().ratePerSecond(), pause)
                : postgres(ds, config.cdc().schema(), config.throttle().ratePerSecond(), pause, clock);
    }

    public static RateLimiter local(double permitsPerSecond) {
        return local(permitsPerSecond, MAX_SHARED_PAUSE);
    }

    /** A limiter for this process only; a {@code Retry-After} pauses it for {@code maxPause} at most. */
    public static RateLimiter local(double permitsPerSecond, Duration maxPause) {
        return local(permitsPerSecond, TimeMeter.SYSTEM_NANOTIME, BlockingStrategy.PARKING, maxPause);
    }

    /** A local limiter on an injected time source and blocking strategy, for tests. */
    static BucketRateLimiter local(double permitsPerSecond, TimeMeter time, BlockingStrategy blocking) {
        return local(permitsPerSecond, time, blocking, MAX_SHARED_PAUSE);
    }

    static BucketRateLimiter local(
            double permitsPerSecond, TimeMeter time, BlockingStrategy blocking, Duration maxPause) {
        BucketConfiguration config = configuration(permitsPerSecond);
        Bucket bucket = Bucket.builder()
                .addLimit(config.getBandwidths()[0])
                .withCustomTimePrecision(time)
                .build();
        return new BucketRateLimiter(
                bucket,
                config,
                blocking,
                AdaptiveState.local(),
                () -> time.currentTimeNanos() / 1_000_000,
                time::currentTimeNanos,
                maxPause,
                "local rate limiter at " + permitsPerSecond + "/s");
    }

    /**
     * A limiter shared by every instance that uses the same database and schema (one pipeline): one
     * Bucket4j bucket, row {@link #BUCKET_ID} of {@code <schema>.provisioner_rate_limit} (created by
     * {@code Migrator}), locked with {@code SELECT ... FOR UPDATE} on each acquisition. Instances
     * configured with different rates (a rolling change of {@code OR_DELAY_MS}) still share that one
     * bucket: each carries its start time as the configuration version, the bucket keeps the newest
     * configuration it was given, and older instances then run at that rate too.
     *
     * <p>{@code clock} is the time every instance agrees on: the bucket's refill, the shared pause of a
     * {@code Retry-After}, and the configuration version (this instance's start).
     */
    public static RateLimiter postgres(DataSource ds, String schema, double permitsPerSecond, Clock clock) {
        return postgres(ds, schema, permitsPerSecond, MAX_SHARED_PAUSE, clock);
    }

    /** As {@link #postgres(DataSource, String, double, Clock)}; a {@code Retry-After} pauses every instance for {@code maxPause} at most. */
    public static RateLimiter postgres(
            DataSource ds, String schema, double permitsPerSecond, Duration maxPause, Clock clock) {
        return postgres(ds, schema, permitsPerSecond, clock.millis(), maxPause, clock);
    }

    /** As {@link #postgres(DataSource, String, double, Clock)}; the higher {@code version} wins. */
    static RateLimiter postgres(DataSource ds, String schema, double permitsPerSecond, long version, Clock clock) {
        return postgres(ds, schema, permitsPerSecond, version, MAX_SHARED_PAUSE, clock);
    }

    static RateLimiter postgres(
            DataSource ds, String schema, double permitsPerSecond, long version, Duration maxPause, Clock clock) {
        BucketConfiguration config = configuration(permitsPerSecond);
        ProxyManager<Long> proxies = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(ds)
                .table(Tables.qualified(schema, Tables.RATE_LIMIT))
                .idColumn("id")
                .stateColumn("state")
                .clientClock(wallClock(clock))
                .build();
        // AS_IS: a permit already earned (or reserved) carries over to the new rate, capacity one at most
        Bucket bucket = proxies.builder()
                .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.AS_IS)
                .build(BUCKET_ID, () -> config);
        return new BucketRateLimiter(
                bucket,
                config,
                BlockingStrategy.PARKING,
                new PostgresAdaptiveState(ds, schema, clock),
                clock::millis,
                System::nanoTime,
                maxPause,
                "postgres rate limiter at " + permitsPerSecond + "/s");
    }

    /**
     * When the pause a {@code Retry-After} imposed on every instance of the pipeline that shares
     * {@code <schema>.provisioner_rate_limit} ends, while one is in force: what {@code provisioner status}
     * shows. Empty when none is, or when the row cannot be read.
     */
    public static Optional<Instant> throttledUntil(DataSource ds, String schema, Clock clock) {
        long now = clock.millis();
        long until =
                new PostgresAdaptiveState(ds, schema, clock).current().at(now).pausedUntil();
        return until > now ? Optional.of(Instant.ofEpochMilli(until)) : Optional.empty();
    }

    /**
     * {@code clock} as the shared bucket's time, in whole milliseconds like Bucket4j's default ({@link
     * TimeMeter#SYSTEM_MILLISECONDS}): the instances' wall clocks are all the bucket has in common.
     */
    static TimeMeter wallClock(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.millis() * 1_000_000;
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /**
     * Longest delay between a permit and the call's arrival at OpenRouter that the limiter allows for
     * (thread wake-up, connection, the server's own dispatch): the server counts arrivals, not permits.
     */
    static final Duration ARRIVAL_JITTER = Duration.ofMillis(30);

    /**
     * The rate permits are handed out at: the configured rate, or less where arrivals up to
     * {@link #ARRIVAL_JITTER} late could otherwise put more than {@code rate + 1} calls into one second
     * at the server: {@code (rate + 1) / (1 s + jitter)}. That bites above about 33/s (98.1 of 100/s);
     * below, one period is longer than the jitter and the configured rate is kept.
     */
    static double spacedRate(double permitsPerSecond) {
        double jitterSeconds = ARRIVAL_JITTER.toNanos() / 1e9;
        return Math.min(permitsPerSecond, (permitsPerSecond + 1) / (1 + jitterSeconds) * (1 - 1e-9));
    }

    /** Capacity one call ({@link #UNITS} tokens), refilled greedily one call per {@link #period} of {@link #spacedRate}. */
    static BucketConfiguration configuration(double permitsPerSecond) {
        Duration period = period(spacedRate(permitsPerSecond));
        return BucketConfiguration.builder()
                .addLimit(limit ->
                        limit.capacity(UNITS).refillGreedy(UNITS, period).initialTokens(UNITS))
                .build();
    }

    /**
     * The time one permit takes to refill: 1 s / rate, rounded up to the nanosecond.
     *
     * @throws IllegalArgumentException when the rate is not a positive number up to {@link #MAX_RATE}
     */
    static Duration period(double permitsPerSecond) {
        if (!(permitsPerSecond > 0) || permitsPerSecond > MAX_RATE || Double.isInfinite(permitsPerSecond)) {
            throw new IllegalArgumentException(
                    "permitsPerSecond must be > 0 and <= " + MAX_RATE + ", was " + permitsPerSecond);
        }
        return Duration.ofNanos((long) Math.ceil(1_000_000_000d / permitsPerSecond));
    }
}
