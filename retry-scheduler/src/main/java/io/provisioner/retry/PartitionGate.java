package io.provisioner.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Which partitions wait, and until when. It remembers only the due time of each waiting partition's
 * head record, so its memory grows with the number of partitions, never with the number of waiting
 * records. Pure: time comes in as arguments. Not thread-safe; owned by the polling thread.
 */
public final class PartitionGate {

    private static final Duration MIN_POLL = Duration.ofMillis(1);

    private final Map<TopicPartition, Instant> heads = new HashMap<>();
    private final Duration maxPoll;

    /** @param maxPoll the longest a poll may block, which bounds how late a due head is noticed */
    public PartitionGate(Duration maxPoll) {
        if (maxPoll.compareTo(MIN_POLL) < 0) {
            throw new IllegalArgumentException("maxPoll must be at least 1 ms, was " + maxPoll);
        }
        this.maxPoll = maxPoll;
    }

    /** The partition waits until its head is due at {@code dueAt}; the caller pauses it. */
    public void hold(TopicPartition partition, Instant dueAt) {
        heads.put(partition, dueAt);
    }

    /** Removes and returns the partitions whose head is due at {@code now}; the caller resumes them. */
    public Set<TopicPartition> release(Instant now) {
        Set<TopicPartition> due = new HashSet<>();
        Iterator<Map.Entry<TopicPartition, Instant>> it = heads.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<TopicPartition, Instant> e = it.next();
            if (DueTimes.isDue(e.getValue(), now)) {
                due.add(e.getKey());
                it.remove();
            }
        }
        return due;
    }

    /** Forgets partitions this consumer no longer owns (revoked, lost) or will re-read. */
    public void forget(Collection<TopicPartition> partitions) {
        heads.keySet().removeAll(partitions);
    }

    public void forgetAll() {
        heads.clear();
    }

    public boolean isHeld(TopicPartition partition) {
        return heads.containsKey(partition);
    }

    public int heldCount() {
        return heads.size();
    }

    public Optional<Instant> earliestDue() {
        return heads.values().stream().min(Instant::compareTo);
    }

    /**
     * How long the next poll may block: until the earliest waiting head is due (rounded up to a whole
     * millisecond), at most {@code maxPoll}, and never zero, so a waiting scheduler sleeps in the poll
     * instead of spinning. Call after {@link #release}.
     */
    public Duration pollTimeout(Instant now) {
        Optional<Instant> earliest = earliestDue();
        if (earliest.isEmpty()) {
            return maxPoll;
        }
        Duration until = Duration.between(now, earliest.get());
        long ms = until.toMillis() + (until.minusMillis(until.toMillis()).isZero() ? 0 : 1);
        Duration rounded = Duration.ofMillis(Math.max(ms, MIN_POLL.toMillis()));
        return rounded.compareTo(maxPoll) > 0 ? maxPoll : rounded;
    }

    /** How late a record was forwarded; zero when on time. */
    public static Duration lateness(Instant dueAt, Instant forwardedAt) {
        Duration d = Duration.between(dueAt, forwardedAt);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
