package io.provisioner.db.ratelimit;

import io.provisioner.db.schema.Tables;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AimdRate} of a pipeline in row {@link #ROW_ID} of {@code provisioner_rate_limit} (beside the
 * bucket's row), so a 429 seen by one instance slows every instance. Read at most every
 * {@link #REFRESH_MILLIS}; written, under {@code SELECT ... FOR UPDATE}, only on a 429. A database
 * failure keeps the last state read (the bucket itself still holds the configured rate). Thread-safe.
 */
final class PostgresAdaptiveState implements AdaptiveState {
    static final long ROW_ID = 2;
    static final long REFRESH_MILLIS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(PostgresAdaptiveState.class);

    private final DataSource ds;
    private final String table;
    private final Clock clock;
    private volatile AimdRate cached = AimdRate.FULL;
    private volatile long readAt;

    PostgresAdaptiveState(DataSource ds, String schema, Clock clock) {
        this.ds = ds;
        this.table = Tables.qualified(schema, Tables.RATE_LIMIT);
        this.clock = clock;
    }

    @Override
    public AimdRate current() {
        long now = clock.millis();
        if (now - readAt >= REFRESH_MILLIS) {
            readAt = now;
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("select state from " + table + " where id = ?")) {
                ps.setLong(1, ROW_ID);
                cached = read(ps);
            } catch (SQLException e) {
                LOG.debug("cannot read the adaptive rate: {}", e.getMessage());
            }
        }
        return cached;
    }

    @Override
    public AimdRate lastKnown() {
        return cached;
    }

    @Override
    public void rateLimited(long now, Duration retryAfterOrNull) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                cached = update(c, now, retryAfterOrNull);
                c.commit();
                readAt = clock.millis();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            LOG.warn("cannot record a 429 in the shared adaptive rate: {}", e.getMessage());
        }
    }

    private AimdRate update(Connection c, long now, Duration retryAfterOrNull) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "insert into " + table + " (id, state) values (?, null) on conflict (id) do nothing")) {
            insert.setLong(1, ROW_ID);
            insert.executeUpdate();
        }
        AimdRate next;
        try (PreparedStatement lock = c.prepareStatement("select state from " + table + " where id = ? for update")) {
            lock.setLong(1, ROW_ID);
            next = read(lock).after429(now, retryAfterOrNull);
        }
        try (PreparedStatement write = c.prepareStatement("update " + table + " set state = ? where id = ?")) {
            write.setBytes(1, next.encode().getBytes(StandardCharsets.US_ASCII));
            write.setLong(2, ROW_ID);
            write.executeUpdate();
        }
        return next;
    }

    private static AimdRate read(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            byte[] state = rs.next() ? rs.getBytes(1) : null;
            return AimdRate.decode(state == null ? null : new String(state, StandardCharsets.US_ASCII));
        }
    }
}
