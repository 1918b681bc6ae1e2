package io.provisioner.db.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BlockingStrategy;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.VerboseResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Takes the permits of one process's callers from a shared bucket in as few round trips as it can: the
 * callers that ask while another caller's reservation is on its way to the database are served together,
 * by one reservation of all their tokens, and each is given the time its own share of those tokens
 * becomes due, computed from the refill of the configuration the bucket applied in that same operation
 * (so another instance's newer rate is honoured exactly). Each caller then waits for its own time, outside
 * any lock, and calls no earlier than the permit it would have got alone.
 *
 * <p>Why: the shared bucket is one row, locked from the read of its state to the commit of the new state,
 * a commit that waits for the WAL to reach disk. One row lock per call serialised every instance's calls
 * behind that flush: as deployed, a capacity run spent a mean 1.1 ms waiting for that lock per permit
 * (pg_stat_statements), and the shared bucket capped the pipeline below what the local limiter reached.
 *
 * <p>A batch is reserved unconditionally (Bucket4j's {@code consumeIgnoringRateLimits}, the only verbose
 * reservation): a caller whose time then falls after its deadline gets no permit and its slot goes unused
 * (fewer calls, never more). Batching is therefore used only while the bucket has no queue to speak of
 * (the longest wait last seen at most {@link #QUEUED_NANOS}) and every caller of the batch has enough of
 * its wait left for the batch's expected wait and {@link #MARGIN_NANOS}; after a caller missed its deadline
 * it is off for {@link #OFF_NANOS}. Otherwise,
 * and for a batch of one, each caller's permit is reserved on its own, with its deadline, as Bucket4j's
 * blocking API does. Thread-safe.
 */
final class PermitBatcher {

    /** Batch only while the longest wait last given out is at most this. */
    static final long QUEUED_NANOS = Duration.ofSeconds(1).toNanos();

    /**
     * Batch only callers with this much more of their wait left than the batch is expected to take (the
     * longest wait last seen and the refill of the batch's tokens at the rate last seen).
     */
    static final long MARGIN_NANOS = Duration.ofMillis(500).toNanos();

    /** How long batching stays off after a batched caller's time fell past its deadline. */
    static final long OFF_NANOS = Duration.ofSeconds(10).toNanos();

    /**
     * One caller's request: its tokens (the permit and any slowdown taken on credit) and its deadline. The
     * outcome is written before {@link #served}, which publishes it.
     */
    static final class Request {
        final long tokens;
        final long deadline;
        final Thread caller = Thread.currentThread();
        volatile boolean served;
        boolean granted;
        long dueAt;
        RuntimeException failure;

        Request(long tokens, long deadline) {
            this.tokens = tokens;
            this.deadline = deadline;
        }

        void done() {
            served = true;
            LockSupport.unpark(caller);
        }
    }

    /**
     * How long a waiting caller sleeps before it looks again whether it must reserve itself: it is woken when
     * it is served or next, so this only bounds a wake-up that went to a caller that has gone (interrupted).
     */
    private static final long RECHECK_NANOS = Duration.ofMillis(5).toNanos();

    private final Bucket bucket;
    private final long permitTokens;
    private final BlockingStrategy blocking;
    private final LongSupplier nanoTime;
    private final Queue<Request> waiting = new ConcurrentLinkedQueue<>();
    private final ReentrantLock reserving = new ReentrantLock();
    private double nanosPerToken;
    private long longestWait;
    private long offUntil;
    private boolean off;
    private long reservations;

    /**
     * @param permitTokens the tokens of one permit; a request's other tokens are taken on credit before it
     * @param nanosPerToken the refill time of one token at this process's rate: what a batch is expected to
     *     take until a batch shows the rate the bucket applies
     * @param nanoTime the clock of the callers' deadlines and due times ({@link System#nanoTime} but in tests)
     */
    PermitBatcher(
            Bucket bucket, long permitTokens, double nanosPerToken, BlockingStrategy blocking, LongSupplier nanoTime) {
        this.bucket = bucket;
        this.permitTokens = permitTokens;
        this.nanosPerToken = nanosPerToken;
        this.blocking = blocking;
        this.nanoTime = nanoTime;
    }

    /** The refill time of one token under {@code configuration} (its one bandwidth refills greedily). */
    static double nanosPerToken(BucketConfiguration configuration) {
        Bandwidth refill = configuration.getBandwidths()[0];
        return (double) refill.getRefillPeriodNanos() / refill.getRefillTokens();
    }

    /** The reservations made in the bucket so far (each a round trip to a shared bucket's database). */
    long reservations() {
        reserving.lock();
        try {
            return reservations;
        } finally {
            reserving.unlock();
        }
    }

    /**
     * Takes {@code extraTokens} on credit and then one permit, and waits for it.
     *
     * @return false, after no wait, when the permit cannot come within {@code maxWaitNanos}
     */
    boolean take(long extraTokens, long maxWaitNanos) throws InterruptedException {
        Request me = new Request(extraTokens + permitTokens, nanoTime.getAsLong() + maxWaitNanos);
        waiting.add(me);
        while (!me.served) {
            if (reserving.tryLock()) {
                try {
                    if (!me.served) {
                        serve(drain());
                    }
                } finally {
                    reserving.unlock();
                }
                // the first caller that came meanwhile reserves for the next batch
                Request next = waiting.peek();
                if (next != null) {
                    LockSupport.unpark(next.caller);
                }
            } else {
                LockSupport.parkNanos(this, RECHECK_NANOS);
                if (Thread.interrupted()) {
                    // still queued: a later batch may reserve it, and its permit goes unused
                    throw new InterruptedException();
                }
            }
        }
        if (me.failure != null) {
            throw me.failure;
        }
        if (!me.granted) {
            return false;
        }
        long wait = me.dueAt - nanoTime.getAsLong();
        if (wait > 0) {
            blocking.park(wait);
        }
        return true;
    }

    private List<Request> drain() {
        List<Request> batch = new ArrayList<>();
        for (Request r = waiting.poll(); r != null; r = waiting.poll()) {
            batch.add(r);
        }
        return batch;
    }

    /** Serves {@code batch} (in arrival order) under the lock; a failure of the bucket fails each caller. */
    void serve(List<Request> batch) {
        try {
            if (batch.size() > 1 && batchable(batch)) {
                reserveTogether(batch);
            } else {
                for (Request r : batch) {
                    reserveAlone(r);
                }
            }
        } catch (RuntimeException e) {
            fail(batch, e);
        } catch (Error e) {
            // no caller may be left drained and unserved: it would look for a batch that never comes
            fail(batch, new IllegalStateException("rate limiter failed: " + e, e));
            throw e;
        }
    }

    private static void fail(List<Request> batch, RuntimeException failure) {
        for (Request r : batch) {
            if (!r.served) {
                r.failure = failure;
                r.done();
            }
        }
    }

    private boolean batchable(List<Request> batch) {
        long now = nanoTime.getAsLong();
        if (off && now - offUntil < 0) {
            return false;
        }
        off = false;
        if (longestWait > QUEUED_NANOS) {
            return false;
        }
        long tokens = 0;
        for (Request r : batch) {
            tokens += r.tokens;
        }
        long expected = longestWait + (long) (tokens * nanosPerToken) + MARGIN_NANOS;
        for (Request r : batch) {
            if (r.deadline - now < expected) {
                return false;
            }
        }
        return true;
    }

    /**
     * One reservation of every request's tokens; request i is due when the tokens of requests 0..i are,
     * which is the whole batch's wait less the refill time of the tokens after it, rounded so that it is
     * never earlier.
     */
    private void reserveTogether(List<Request> batch) {
        long total = 0;
        for (Request r : batch) {
            total += r.tokens;
        }
        reservations++;
        VerboseResult<Long> result = bucket.asVerbose().consumeIgnoringRateLimits(total);
        // the wait counts from when the bucket read its clock, after the row lock: counted from the answer,
        // never earlier, whatever the connection, the lock and the commit took
        long start = nanoTime.getAsLong();
        nanosPerToken = nanosPerToken(result.getConfiguration());
        long wait = result.getValue();
        long after = total;
        longestWait = 0;
        for (Request r : batch) {
            after -= r.tokens;
            long own = Math.max(0, wait - (long) Math.floor(after * nanosPerToken));
            r.dueAt = start + own;
            r.granted = r.dueAt - r.deadline <= 0;
            longestWait = Math.max(longestWait, own);
            if (!r.granted) {
                off = true;
                offUntil = start + OFF_NANOS;
            }
        }
        for (Request r : batch) {
            r.done();
        }
    }

    /** The request's permit alone, with its deadline: nothing is reserved when it would come too late. */
    private void reserveAlone(Request r) {
        long extra = r.tokens - permitTokens;
        if (extra > 0) {
            reservations++;
            bucket.consumeIgnoringRateLimits(extra);
        }
        reservations++;
        long now = nanoTime.getAsLong();
        long left = r.deadline - now;
        if (left <= 0) {
            r.granted = bucket.tryConsume(permitTokens);
            r.dueAt = nanoTime.getAsLong();
        } else {
            long[] due = {0};
            try {
                // Bucket4j reserves and then asks the strategy to wait: the wait is taken outside the lock
                r.granted =
                        bucket.asBlocking().tryConsume(permitTokens, Duration.ofNanos(left), nanos -> due[0] = nanos);
            } catch (InterruptedException e) {
                // only a strategy that parks throws it; this one records the wait
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            r.dueAt = nanoTime.getAsLong() + due[0];
            // refused: the queue is longer than this caller could wait, however short its wait was
            longestWait = r.granted ? due[0] : Long.MAX_VALUE;
        }
        r.done();
    }
}
