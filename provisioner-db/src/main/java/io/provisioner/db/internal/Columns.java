package io.provisioner.db.internal;

import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Conversions between column values and the core's types. */
public final class Columns {

    private Columns() {}

    public static void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
        }
    }

    public static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    public static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /**
     * The limits of a key row. A row without a limit (written by an older tool) reads as a cap of 0, so
     * that it differs from any configured cap and gets corrected.
     */
    public static KeyLimits limits(ResultSet rs, String limitColumn, String resetColumn) throws SQLException {
        BigDecimal limit = rs.getBigDecimal(limitColumn);
        return new KeyLimits(limit == null ? BigDecimal.ZERO : limit, LimitReset.fromWire(rs.getString(resetColumn)));
    }
}
