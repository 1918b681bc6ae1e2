package io.provisioner.db.slot;

import java.util.List;
import java.util.Optional;

/**
 * One reading of a logical replication slot from {@code pg_replication_slots}, with the server's WAL
 * position at that moment. LSNs and sizes are in bytes.
 *
 * @param exists false when no slot of that name exists (dropped, or not created yet)
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or {@code lost}; null when the
 *     slot is missing
 * @param retainedBytes WAL the slot holds back, {@code pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)};
 *     0 when missing or lost
 * @param safeWalSize bytes that can still be written before the slot is in danger of being invalidated;
 *     empty when the server does not limit it ({@code max_slot_wal_keep_size = -1}) or the slot is missing
 * @param confirmedFlushLsn the last position its consumer confirmed; 0 when missing
 * @param currentLsn {@code pg_current_wal_lsn()}
 */
public record SlotReading(
        String slot,
        boolean exists,
        boolean active,
        String walStatus,
        long retainedBytes,
        Optional<Long> safeWalSize,
        long confirmedFlushLsn,
        long currentLsn) {

    /** The values of {@link #status()}: PostgreSQL's {@code wal_status} values, and {@code missing}. */
    public static final List<String> STATUSES = List.of("reserved", "extended", "unreserved", "lost", "missing");

    static SlotReading missing(String slot, long currentLsn) {
        return new SlotReading(slot, false, false, null, 0, Optional.empty(), 0, currentLsn);
    }

    /** {@code wal_status}, or {@code missing} when no slot of that name exists. */
    public String status() {
        return exists ? walStatus : "missing";
    }

    /** Invalidated by PostgreSQL: the WAL it needed is gone, and it can never be read again. */
    public boolean lost() {
        return exists && "lost".equals(walStatus);
    }

    /** True when its consumer has confirmed everything written so far: nothing waits to be confirmed. */
    public boolean caughtUp() {
        return exists && confirmedFlushLsn >= currentLsn;
    }
}
