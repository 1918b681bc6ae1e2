package io.provisioner.db;

import io.provisioner.core.ports.KeyUsage;
import io.provisioner.db.internal.Columns;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Types;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The usage columns of {@code ai_provider_keys} (V7), and the limit, reset and guardrail each key holds:
 * written from {@code GET /keys} pages (and the guardrail assignments) by the usage sync, matched by hash,
 * and summed up for its gauges. Thread-safe.
 */
public final class UsageQueries {

    /**
     * The active keys of one owner type.
     *
     * @param synced keys whose usage was ever read back
     * @param nearLimit keys whose spend in their limit's period (the day, week or month of {@code
     *     limit_reset}, else since creation) has reached the given share of {@code key_limit}
     * @param total sum of {@code usage_total}, US dollars; likewise {@code daily}, {@code weekly}, {@code monthly}
     */
    public record TypeSummary(
            long synced, long nearLimit, BigDecimal total, BigDecimal daily, BigDecimal weekly, BigDecimal monthly) {
        public static final TypeSummary EMPTY =
                new TypeSummary(0, 0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);
    }

    private final DataSource ds;
    private final String table;
    private final String jobs;

    public UsageQueries(DataSource ds, String schema) {
        this.ds = ds;
        this.table = Tables.qualified(schema, Tables.KEYS);
        this.jobs = Tables.qualified(schema, Tables.JOBS);
    }

    /**
     * Writes one page's figures onto the rows of those hashes (active or revoked), in one transaction; and
     * what each key holds (its limit, reset and, when {@code guardrails} is not null, its guardrail: key hash
     * to guardrail id, a hash it lacks has none) onto the rows of owners no worker touched since {@code
     * listedFrom}, when the sync began: a row written since may say something newer than the listing.
     *
     * @return how many of them are stored
     */
    public int save(List<KeyUsage> page, Instant syncedAt, Map<String, String> guardrails, Instant listedFrom) {
        if (page.isEmpty()) {
            return 0;
        }
        String usage = "update " + table + " set usage_total = ?, usage_daily = ?, usage_weekly = ?,"
                + " usage_monthly = ?, usage_synced_at = ? where key_hash = ?";
        // the row then says what the key holds, so a limit changed or an assignment undone by hand on
        // OpenRouter, or an update whose outcome was never recorded, shows as drift and is set back
        String held = "update " + table + " k set key_limit = ?, limit_reset = ?,"
                + " guardrail_id = case when ? then ? else k.guardrail_id end where k.key_hash = ?"
                + " and not exists (select 1 from " + jobs + " j where j.owner_type = k.owner_type"
                + " and j.owner_id = k.owner_id and (j.attempt_started_at is not null or j.updated_at >= ?))";
        return Tx.inTransaction(ds, "save key usage", c -> {
            try (PreparedStatement ps = c.prepareStatement(usage);
                    PreparedStatement hs = c.prepareStatement(held)) {
                for (KeyUsage u : page) {
                    decimal(ps, 1, u.total());
                    decimal(ps, 2, u.daily());
                    decimal(ps, 3, u.weekly());
                    decimal(ps, 4, u.monthly());
                    Columns.setInstant(ps, 5, syncedAt);
                    ps.setString(6, u.hash());
                    ps.addBatch();
                    hs.setBigDecimal(1, u.limits().limit());
                    hs.setString(2, u.limits().reset().wire());
                    hs.setBoolean(3, guardrails != null);
                    hs.setString(4, guardrails == null ? null : guardrails.get(u.hash()));
                    hs.setString(5, u.hash());
                    Columns.setInstant(hs, 6, listedFrom);
                    hs.addBatch();
                }
                hs.executeBatch();
                int stored = 0;
                for (int n : ps.executeBatch()) {
                    stored += Math.max(n, 0);
                }
                return stored;
            }
        });
    }

    private static void decimal(PreparedStatement ps, int index, BigDecimal value) throws java.sql.SQLException {
        if (value == null) {
            ps.setNull(index, Types.NUMERIC);
        } else {
            ps.setBigDecimal(index, value);
        }
    }

    /** Per owner type, the active keys' figures; {@code nearShare} is e.g. 0.8 for 80 % of the limit. */
    public Map<String, TypeSummary> summary(double nearShare) {
        String sql = "select owner_type, count(usage_synced_at),"
                + " count(*) filter (where key_limit > 0 and coalesce(case limit_reset when 'daily' then usage_daily"
                + " when 'weekly' then usage_weekly when 'monthly' then usage_monthly else usage_total end, 0)"
                + " >= ? * key_limit),"
                + " coalesce(sum(usage_total), 0), coalesce(sum(usage_daily), 0), coalesce(sum(usage_weekly), 0),"
                + " coalesce(sum(usage_monthly), 0) from " + table + " where revoked_at is null group by owner_type";
        return Tx.autoCommit(ds, "summarise key usage", c -> {
            Map<String, TypeSummary> out = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setBigDecimal(1, BigDecimal.valueOf(nearShare));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(
                                rs.getString(1),
                                new TypeSummary(
                                        rs.getLong(2),
                                        rs.getLong(3),
                                        rs.getBigDecimal(4),
                                        rs.getBigDecimal(5),
                                        rs.getBigDecimal(6),
                                        rs.getBigDecimal(7)));
                    }
                }
            }
            return out;
        });
    }
}
