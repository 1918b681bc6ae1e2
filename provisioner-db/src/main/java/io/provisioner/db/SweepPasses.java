package io.provisioner.db;

import io.provisioner.db.internal.Columns;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * When the orphan sweep last completed a pass of each {@link Kind}, in {@code provisioner_sweep_passes}:
 * one row per kind, shared by every instance and kept across restarts. Thread-safe.
 */
public final class SweepPasses {

    /** An incremental pass lists the keys created since the last pass; a full pass lists every key. */
    public enum Kind {
        INCREMENTAL,
        FULL;

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final DataSource ds;
    private final String table;

    public SweepPasses(DataSource ds, String schema) {
        this.ds = ds;
        this.table = Tables.qualified(schema, Tables.SWEEP_PASSES);
    }

    /** When the last completed pass of this kind started; empty when none ever completed. */
    public Optional<Instant> lastStarted(Kind kind) {
        String sql = "select started_at from " + table + " where kind = ?";
        return Tx.inTransaction(ds, "read last sweep pass", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, kind.column());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(Columns.instant(rs, 1)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Records a completed pass that started at {@code startedAt}. A pass that started before the one
     * recorded (another instance's, which overlapped it) does not move the record back.
     */
    public void completed(Kind kind, Instant startedAt, Instant completedAt) {
        String sql = "insert into " + table + " (kind, started_at, completed_at) values (?, ?, ?)"
                + " on conflict (kind) do update set started_at = greatest(" + table
                + ".started_at, excluded.started_at), completed_at = excluded.completed_at";
        Tx.inTransaction(ds, "record sweep pass", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, kind.column());
                Columns.setInstant(ps, 2, startedAt);
                Columns.setInstant(ps, 3, completedAt);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
