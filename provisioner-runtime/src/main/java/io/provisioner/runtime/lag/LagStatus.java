package io.provisioner.runtime.lag;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Judges each group's status from its readings over a sliding window: {@code OK} when nothing that
 * should be processed is waiting (an idle group, or retry partitions whose next record is not due), else
 * {@code STOPPED} without members, {@code STALLED} when no lagging partition's committed offset moved
 * over the window, {@code LAGGING} when the lag grew over it, {@code OK} otherwise (and while there is no
 * earlier reading to compare with). Not thread-safe.
 */
public final class LagStatus {

    private final Duration window;
    private final Map<String, Deque<LagReading>> history = new HashMap<>();

    /** @param window how far back a reading is compared; older readings are forgotten */
    public LagStatus(Duration window) {
        this.window = window;
    }

    /** Records {@code now} and returns it with its status. */
    public LagReading judge(LagReading now) {
        Deque<LagReading> past = history.computeIfAbsent(now.group(), g -> new ArrayDeque<>());
        while (past.size() > 1
                && Duration.between(past.peekFirst().at(), now.at()).compareTo(window) > 0) {
            past.removeFirst();
        }
        LagReading base = past.peekFirst();
        past.addLast(now);
        return now.withStatus(classify(base, now));
    }

    static LagReading.Status classify(LagReading base, LagReading now) {
        if (now.actionableLag() == 0) {
            return LagReading.Status.OK;
        }
        if (now.members() == 0) {
            return LagReading.Status.STOPPED;
        }
        if (base == null) {
            return LagReading.Status.OK;
        }
        if (!committedMoved(base, now)) {
            return LagReading.Status.STALLED;
        }
        return now.actionableLag() > base.actionableLag() ? LagReading.Status.LAGGING : LagReading.Status.OK;
    }

    /** Whether any partition that lags now committed further since {@code base}. */
    private static boolean committedMoved(LagReading base, LagReading now) {
        Map<String, Long> before = new HashMap<>();
        base.partitions().forEach(p -> before.put(p.topic() + "-" + p.partition(), p.committed()));
        return now.partitions().stream()
                .filter(p -> p.lag() > 0 && !p.waiting())
                .anyMatch(p -> !Objects.equals(before.get(p.topic() + "-" + p.partition()), p.committed()));
    }
}
