package io.provisioner.db.ratelimit;

import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.db.internal.SqlNames;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The rate limiters of {@code OR_RATE_LIMITER}: a bucket of capacity one (a burst of a single call)
 * refilled greedily at the rate, so that calls never exceed it, in any window longer than one period,
 * by more than the one stored permit. Fractional rates work: 1000 / 1100 ms is one call per 1.1 s.
 */
public final class RateLimiters {

    /** Rates above this are rejected: one permit per microsecond is no limit for an HTTP API. */
    static final double MAX_RATE = 1_000_000;

    private RateLimiters() {}

    /** A limiter for this process only. */
    public static RateLimiter local(double permitsPerSecond) {
        return local(permitsPerSecond, TimeMeter.SYSTEM_NANOTIME, BlockingStrategy.PARKING);
    }

    /** A local limiter on an injected time source and blocking strategy, for tests. */
    static RateLimiter local(double permitsPerSecond, TimeMeter time, BlockingStrategy blocking) {
        Bucket bucket = Bucket.builder()
                .addLimit(configuration(permitsPerSecond).getBandwidths()[0])
                .withCustomTimePrecision(time)
                .build();
        return new BucketRateLimiter(bucket, blocking, "local rate limiter at " + permitsPerSecond + "/s");
    }

    /**
     * A limiter shared by every instance that uses the same database, schema and rate: one Bucket4j
     * bucket in {@code <schema>.provisioner_rate_limit} (created by {@code Migrator}), locked with
     * {@code SELECT ... FOR UPDATE} on each acquisition. The bucket's id is derived from the rate
     * ({@link #bucketId}), so that a changed rate takes effect at once instead of being overridden by
     * the stored configuration.
     */
    public static RateLimiter postgres(DataSource ds, String schema, double permitsPerSecond) {
        BucketConfiguration config = configuration(permitsPerSecond);
        ProxyManager<Long> proxies = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(ds)
                .table(SqlNames.qualify(schema, "provisioner_rate_limit"))
                .idColumn("id")
                .stateColumn("state")
                .build();
        Bucket bucket = proxies.builder().build(bucketId(permitsPerSecond), () -> config);
        return new BucketRateLimiter(
                bucket, BlockingStrategy.PARKING, "postgres rate limiter at " + permitsPerSecond + "/s");
    }

    /** Capacity one, refilled greedily one permit per {@link #period}. */
    static BucketConfiguration configuration(double permitsPerSecond) {
        Duration period = period(permitsPerSecond);
        return BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(1).refillGreedy(1, period).initialTokens(1))
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

    /** The shared bucket's id: its refill period in nanoseconds (one bucket per configured rate). */
    static long bucketId(double permitsPerSecond) {
        return period(permitsPerSecond).toNanos();
    }
}
