package io.provisioner.db.internal;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.db.schema.Tables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** Reads and writes rows of {@code ai_provider_keys}. Stateless apart from the table name. */
public final class KeyRows {

    /**
     * A row to insert; {@code encryptedKey} is already encrypted.
     *
     * @param guardrailId the guardrail the key is assigned to on OpenRouter already; null for none
     */
    public record NewKey(
            String hash,
            String name,
            String label,
            String encryptedKey,
            KeyLimits limits,
            Instant createdAt,
            String guardrailId) {}

    static final String COLUMNS =
            "owner_type, owner_id, key_hash, key_name, key_limit, limit_reset, created_at, guardrail_id";

    private final String table;

    public KeyRows(String schema) {
        this.table = Tables.qualified(schema, Tables.KEYS);
    }

    /** Inserts the key; false (and nothing written) when the owner has an active key or the hash is stored. */
    public boolean insert(Connection c, OwnerRef owner, NewKey k) throws SQLException {
        String sql = "insert into " + table + " (provider, owner_type, owner_id, key_hash, key_name, key_label,"
                + " encrypted_key, key_limit, limit_reset, created_at, guardrail_id)"
                + " values ('openrouter', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            ps.setString(3, k.hash());
            ps.setString(4, k.name());
            ps.setString(5, k.label());
            ps.setString(6, k.encryptedKey());
            ps.setBigDecimal(7, k.limits().limit());
            ps.setString(8, k.limits().reset().wire());
            Columns.setInstant(ps, 9, k.createdAt());
            ps.setString(10, k.guardrailId());
            return ps.executeUpdate() == 1;
        }
    }

    public Optional<StoredKey> findActive(Connection c, OwnerRef owner) throws SQLException {
        String sql = "select " + COLUMNS + " from " + table
                + " where owner_type = ? and owner_id = ? and revoked_at is null";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(storedKey(rs)) : Optional.empty();
            }
        }
    }

    /** Records the limits of the owner's active key with this hash; false when there is none. */
    public boolean updateLimits(Connection c, OwnerRef owner, String hash, KeyLimits limits) throws SQLException {
        String sql = "update " + table + " set key_limit = ?, limit_reset = ?"
                + " where owner_type = ? and owner_id = ? and key_hash = ? and revoked_at is null";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBigDecimal(1, limits.limit());
            ps.setString(2, limits.reset().wire());
            ps.setString(3, owner.ownerType());
            ps.setString(4, owner.ownerId());
            ps.setString(5, hash);
            return ps.executeUpdate() == 1;
        }
    }

    /** Records the limits and guardrail (null: none) of the owner's active key with this hash; false when there is none. */
    public boolean updatePolicy(Connection c, OwnerRef owner, String hash, KeyLimits limits, String guardrailId)
            throws SQLException {
        String sql = "update " + table + " set key_limit = ?, limit_reset = ?, guardrail_id = ?"
                + " where owner_type = ? and owner_id = ? and key_hash = ? and revoked_at is null";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setBigDecimal(1, limits.limit());
            ps.setString(2, limits.reset().wire());
            ps.setString(3, guardrailId);
            ps.setString(4, owner.ownerType());
            ps.setString(5, owner.ownerId());
            ps.setString(6, hash);
            return ps.executeUpdate() == 1;
        }
    }

    /** Records the guardrail of the owner's active key with this hash (null: none); false when there is none. */
    public boolean updateGuardrail(Connection c, OwnerRef owner, String hash, String guardrailId) throws SQLException {
        String sql = "update " + table + " set guardrail_id = ?"
                + " where owner_type = ? and owner_id = ? and key_hash = ? and revoked_at is null";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, guardrailId);
            ps.setString(2, owner.ownerType());
            ps.setString(3, owner.ownerId());
            ps.setString(4, hash);
            return ps.executeUpdate() == 1;
        }
    }

    /** Sets {@code revoked_at} on the owner's active key with this hash, if there is one. */
    public void revoke(Connection c, OwnerRef owner, String hash, Instant now) throws SQLException {
        String sql = "update " + table + " set revoked_at = ?"
                + " where owner_type = ? and owner_id = ? and key_hash = ? and revoked_at is null";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Columns.setInstant(ps, 1, now);
            ps.setString(2, owner.ownerType());
            ps.setString(3, owner.ownerId());
            ps.setString(4, hash);
            ps.executeUpdate();
        }
    }

    /** Reads the columns of {@link #COLUMNS} except the owner. */
    public static StoredKey storedKey(ResultSet rs) throws SQLException {
        return new StoredKey(
                rs.getString("key_hash"),
                rs.getString("key_name"),
                Columns.limits(rs, "key_limit", "limit_reset"),
                Columns.instant(rs, "created_at"),
                rs.getString("guardrail_id"));
    }
}
