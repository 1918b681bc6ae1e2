package io.provisioner.db.slot;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Reads a replication slot's state. Needs no privilege beyond logging in: {@code pg_replication_slots}
 * and {@code pg_current_wal_lsn()} are readable by every role. Thread-safe.
 */
public final class ReplicationSlots {

    // to_jsonb reads wal_status and safe_wal_size on every server version: they exist from PostgreSQL 13
    private static final String READ = "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as current_lsn,"
            + " s.slot_name is not null as present, coalesce(s.active, false) as active,"
            + " to_jsonb(s) ->> 'wal_status' as wal_status,"
            + " coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn), 0)::bigint as retained,"
            + " (to_jsonb(s) ->> 'safe_wal_size')::bigint as safe_wal_size,"
            + " coalesce(pg_wal_lsn_diff(s.confirmed_flush_lsn, '0/0'), 0)::bigint as confirmed"
            + " from (select 1) one left join pg_replication_slots s on s.slot_name = ?";

    private final DataSource dataSource;

    public ReplicationSlots(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The slot named {@code slot} now; a reading with {@code exists() == false} when there is none. */
    public SlotReading read(String slot) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(READ)) {
            st.setQueryTimeout(10);
            st.setString(1, slot);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                long current = rs.getLong("current_lsn");
                if (!rs.getBoolean("present")) {
                    return SlotReading.missing(slot, current);
                }
                long safe = rs.getLong("safe_wal_size");
                Optional<Long> safeWalSize = rs.wasNull() ? Optional.empty() : Optional.of(safe);
                return new SlotReading(
                        slot,
                        true,
                        rs.getBoolean("active"),
                        rs.getString("wal_status"),
                        rs.getLong("retained"),
                        safeWalSize,
                        rs.getLong("confirmed"),
                        current);
            }
        }
    }
}
