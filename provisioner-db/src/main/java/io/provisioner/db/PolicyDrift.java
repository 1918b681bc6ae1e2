package io.provisioner.db;

import io.provisioner.core.config.ProvisionerConfig.Limits;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The active keys out of step with what they should be set to: the limit, reset and guardrail they were
 * last set to ({@code ai_provider_keys.key_limit}, {@code limit_reset}, {@code guardrail_id}) against the
 * owner type's settings overridden by the owner's {@code ai_key_policies} row. One query, no OpenRouter
 * call. Thread-safe.
 */
public final class PolicyDrift {

    private final DataSource ds;
    private final String keys;
    private final String policies;
    private final String jobs;

    public PolicyDrift(DataSource ds, String schema) {
        this.ds = ds;
        this.keys = Tables.qualified(schema, Tables.KEYS);
        this.policies = Tables.qualified(schema, Tables.POLICIES);
        this.jobs = Tables.qualified(schema, Tables.JOBS);
    }

    /**
     * At most {@code limit} owners whose key is out of step, leaving out those waiting in a retry topic or
     * dead-lettered (their record is where their reason is), in a stable order.
     */
    public List<OwnerRef> outOfStep(Limits limits, int limit) {
        String sql = "select k.owner_type, k.owner_id from " + keys + " k" + joins(limits)
                + " and coalesce(j.status, '') not in ('retrying', 'dead') order by k.owner_type, k.owner_id limit ?";
        return Tx.inTransaction(ds, "list keys out of step with their policy", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = bind(ps, limits);
                ps.setInt(i, limit);
                List<OwnerRef> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new OwnerRef(rs.getString(1), rs.getString(2)));
                    }
                }
                return out;
            }
        });
    }

    /** How many active keys are out of step, dead-lettered owners included. */
    public long count(Limits limits) {
        String sql = "select count(*) from " + keys + " k" + joins(limits);
        return Tx.inTransaction(ds, "count keys out of step with their policy", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, limits);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private String joins(Limits limits) {
        return " left join " + policies + " p on p.owner_type = k.owner_type and p.owner_id = k.owner_id"
                + " left join " + jobs + " j on j.owner_type = k.owner_type and j.owner_id = k.owner_id"
                + " where k.revoked_at is null and ("
                // a row without a limit reads as a cap of 0 in the service (Columns.limits): the same here, or
                // with a setting of 0 the owner is asked for on every pass and the service changes nothing
                + "coalesce(k.key_limit, 0) is distinct from coalesce(p.limit_usd,"
                + " case k.owner_type when 'teacher' then ?::numeric else ?::numeric end)"
                + " or coalesce(k.limit_reset, 'none') is distinct from coalesce(p.limit_reset,"
                + " case k.owner_type when 'teacher' then ? else ? end)"
                + " or lower(k.guardrail_id) is distinct from lower(coalesce(p.guardrail_id,"
                + " case k.owner_type when 'teacher' then ? else ? end)))";
    }

    /** Binds the settings' values; answers the next parameter index. */
    private static int bind(PreparedStatement ps, Limits limits) throws SQLException {
        ps.setBigDecimal(1, limits.teacher().limit());
        ps.setBigDecimal(2, limits.organization().limit());
        ps.setString(3, reset(limits.teacher().reset()));
        ps.setString(4, reset(limits.organization().reset()));
        ps.setString(5, limits.teacherGuardrail().orElse(null));
        ps.setString(6, limits.organizationGuardrail().orElse(null));
        return 7;
    }

    private static String reset(LimitReset reset) {
        return reset.name().toLowerCase(Locale.ROOT);
    }
}
