package io.provisioner.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ids {@link CanonicalIds} takes as canonical without a round trip are exactly what PostgreSQL's own
 * cast returns for them, so the shortcut never gives an owner a second spelling.
 */
@ExtendWith(SharedInfra.class)
class CanonicalIdsIT {

    @Test
    void idsTakenAsCanonicalAreWhatThePostgresCastReturns(Infra infra) throws SQLException {
        List<String[]> cases = List.of(
                new String[] {"uuid", "3f2a9c1e-0b7d-4e55-9a1f-2c3d4e5f6a7b"},
                new String[] {"uuid", "00000000-0000-0000-0000-000000000000"},
                new String[] {"bigint", "9223372036854775807"},
                new String[] {"bigint", "-9223372036854775808"},
                new String[] {"bigint", "0"},
                new String[] {"integer", "-2147483648"},
                new String[] {"integer", "2147483647"},
                new String[] {"smallint", "32767"},
                new String[] {"text", "Ünïcode 007 "},
                new String[] {"text", ""});
        try (Connection c = infra.connect()) {
            for (String[] each : cases) {
                String type = each[0];
                String id = each[1];
                assertThat(CanonicalIds.isCanonical(id, type))
                        .as(type + " " + id)
                        .isTrue();
                try (PreparedStatement ps = c.prepareStatement("select cast(cast(? as " + type + ") as text)")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getString(1)).as(type + " " + id).isEqualTo(id);
                    }
                }
            }
        }
    }
}
