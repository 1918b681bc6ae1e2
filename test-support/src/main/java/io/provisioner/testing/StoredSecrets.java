package io.provisioner.testing;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.secret.Secret;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/** Reads a stored key back, for tests that check what was stored: the provisioner itself never does. */
public final class StoredSecrets {

    private StoredSecrets() {}

    /**
     * The owner's active secret ({@code revoked_at is null}), decrypted; never log it.
     *
     * @param keysTable the qualified keys table, e.g. {@code Tables.qualified(schema, Tables.KEYS)}
     * @throws IllegalArgumentException when {@code cipher} does not decrypt it
     */
    public static Optional<Secret> active(DataSource ds, String keysTable, KeyCipher cipher, OwnerRef owner) {
        String sql = "select encrypted_key from " + keysTable
                + " where owner_type = ? and owner_id = ? and revoked_at is null";
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(cipher.decrypt(rs.getString(1), owner.key())) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the key of " + owner.key(), e);
        }
    }
}
