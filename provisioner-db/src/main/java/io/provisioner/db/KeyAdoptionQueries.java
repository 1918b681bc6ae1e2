package io.provisioner.db;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.StoredKey;
import io.provisioner.db.internal.KeyRows;
import io.provisioner.db.internal.OwnerTables;
import io.provisioner.db.internal.ShapeInspector;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.Tables;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Read-only look-ups of {@code provisioner import-keys}: the owner row's canonical id, the owner's active
 * key, and whose a hash is. Writing goes through {@link JdbcKeyStore}, under the owner's write-ahead intent
 * ({@link JdbcKeyStore#beginAttempt}, then {@link JdbcKeyStore#saveCreated} with its token). Thread-safe.
 */
public final class KeyAdoptionQueries {

    private final DataSource ds;
    private final OwnerTables owners;
    private final KeyRows keys;
    private final String keyTable;
    private final String schema;

    /** @param ownerTables owner type to table, e.g. {@code "organization" -> "public.organizations"} */
    public KeyAdoptionQueries(DataSource ds, String schema, Map<String, String> ownerTables) {
        this.ds = ds;
        this.owners = new OwnerTables(ownerTables);
        this.keys = new KeyRows(schema);
        this.keyTable = Tables.qualified(schema, Tables.KEYS);
        this.schema = schema;
    }

    /**
     * Why keys cannot be stored here yet: the provisioner's tables are missing, or the schema still holds
     * objects of another shape (see {@link Migrator}); empty when {@code migrate} has run.
     */
    public Optional<String> notReady() {
        return Tx.inTransaction(ds, "inspect schema " + schema, c -> {
            if (ShapeInspector.relation(c, schema, Tables.KEYS).isEmpty()
                    || ShapeInspector.relation(c, schema, Tables.JOBS).isEmpty()) {
                return Optional.of(schema + "." + Tables.KEYS + " or " + Tables.JOBS
                        + " does not exist: run `provisioner migrate` first");
            }
            if (!ShapeInspector.mismatches(c, schema).isEmpty()) {
                return Optional.of(schema + " still holds objects of another shape (the edge function's): run"
                        + " `provisioner migrate --rename-legacy` first");
            }
            return Optional.empty();
        });
    }

    /**
     * The owner with the database's own text form of its id ({@code id::text}: {@code 0042} becomes
     * {@code 42}, an upper-case uuid lower case); empty when the row does not exist.
     */
    public Optional<OwnerRef> canonical(OwnerRef owner) {
        return Tx.inTransaction(ds, "find owner " + owner.key(), c -> owners.canonicalId(c, owner))
                .map(id -> new OwnerRef(owner.ownerType(), id));
    }

    /** The owner's active key, if any. */
    public Optional<StoredKey> activeKey(OwnerRef owner) {
        return Tx.inTransaction(ds, "read key of " + owner.key(), c -> keys.findActive(c, owner));
    }

    /** The owner a key hash is stored for, revoked or not. */
    public Optional<OwnerRef> ownerOfHash(String hash) {
        return Tx.inTransaction(ds, "find key " + hash, c -> {
            try (PreparedStatement ps =
                    c.prepareStatement("select owner_type, owner_id from " + keyTable + " where key_hash = ?")) {
                ps.setString(1, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new OwnerRef(rs.getString(1), rs.getString(2))) : Optional.empty();
                }
            }
        });
    }
}
