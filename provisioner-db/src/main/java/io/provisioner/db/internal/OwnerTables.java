package io.provisioner.db.internal;

import io.provisioner.core.errors.FatalException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.db.schema.SqlNames;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The user's owner tables ({@code organizations}, {@code teachers}): their {@code id} may be uuid, text,
 * bigint or anything else, so the type is looked up once per table and the parameter cast to it. An id
 * that the type rejects (not a uuid for a uuid column) is an owner that does not exist; any other id has
 * one canonical spelling, its {@code id::text} ({@link #canonical}). Thread-safe.
 */
public final class OwnerTables {

    // with its modifier: char(8), not char (which is char(1) and would cut every id to one character)
    private static final String ID_TYPE_SQL = "select format_type(a.atttypid, a.atttypmod) from pg_attribute a"
            + " where a.attrelid = to_regclass(?) and a.attname = 'id' and a.attnum > 0 and not a.attisdropped";

    private final Map<String, String> quotedByType;
    private final Map<String, String> idTypeByType = new ConcurrentHashMap<>();

    /** @param tablesByType owner type to table name, optionally schema-qualified ({@code public.organizations}) */
    public OwnerTables(Map<String, String> tablesByType) {
        Map<String, String> quoted = new LinkedHashMap<>();
        tablesByType.forEach((type, table) -> quoted.put(type, SqlNames.quoteQualified(table)));
        this.quotedByType = Map.copyOf(quoted);
    }

    /** The owner types that have a table, in no particular order. */
    public Iterable<String> types() {
        return quotedByType.keySet();
    }

    /** The quoted, qualified table of an owner type. */
    public String table(String ownerType) {
        String table = quotedByType.get(ownerType);
        if (table == null) {
            throw new FatalException("no owner table is configured for owner type '" + ownerType + "'");
        }
        return table;
    }

    /**
     * The owner in the database's own spelling of its id, {@code cast(cast(id as <type>) as text)} (the
     * same as {@code id::text} of its row: a uuid in lower case, a number without leading zeros, a
     * {@code char(n)} without its padding), whether or not the row exists; empty when the id is not a
     * value of the column's type (such as {@code abc} for a bigint), or is too long for it. An id
     * already in that spelling (a lower-case uuid, {@code 7} for a bigint) costs no round trip. In a
     * transaction, a rejected cast is rolled back to a savepoint so that the transaction goes on.
     */
    public Optional<OwnerRef> canonical(Connection c, OwnerRef owner) throws SQLException {
        String type = idType(c, owner.ownerType());
        if (CanonicalIds.isCanonical(owner.ownerId(), type)) {
            return Optional.of(owner);
        }
        Optional<String> id = castToText(c, owner.ownerId(), type);
        return id.filter(canonical -> notTruncated(owner.ownerId(), canonical, type))
                .map(canonical -> new OwnerRef(owner.ownerType(), canonical));
    }

    /** {@link #canonical}, or the owner as given when its type has no table or its id is rejected. */
    public OwnerRef canonicalOrSame(Connection c, OwnerRef owner) throws SQLException {
        return quotedByType.containsKey(owner.ownerType()) ? canonical(c, owner).orElse(owner) : owner;
    }

    /**
     * Whether the row of an owner given in its canonical spelling ({@link #canonical}) exists. Needs a
     * connection with auto-commit off.
     */
    public boolean exists(Connection c, OwnerRef canonical) throws SQLException {
        String sql = existsSql(table(canonical.ownerType()), idType(c, canonical.ownerType()));
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, canonical.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Optional<String> castToText(Connection c, String id, String type) throws SQLException {
        // auto-commit: the statement is its own transaction, nothing to roll back to
        Savepoint savepoint = c.getAutoCommit() ? null : c.setSavepoint();
        Optional<String> out;
        try (PreparedStatement ps = c.prepareStatement("select cast(cast(? as " + type + ") as text)")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                out = rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            if (!isRejectedValue(e)) {
                throw e;
            }
            if (savepoint != null) {
                c.rollback(savepoint);
            }
            out = Optional.empty();
        }
        if (savepoint != null) {
            c.releaseSavepoint(savepoint);
        }
        return out;
    }

    /** An explicit cast to {@code char(n)} or {@code varchar(n)} cuts a longer value instead of failing. */
    static boolean notTruncated(String requested, String canonical, String type) {
        if (type.startsWith("character varying")) {
            return canonical.equals(requested);
        }
        if (type.startsWith("character")) {
            return canonical.equals(requested.replaceAll(" +$", ""));
        }
        return true;
    }

    /**
     * The database's own text form of the owner row's id ({@code id::text}), e.g. a uuid in lower case;
     * empty when there is no such row. Needs a connection with auto-commit off, as {@link #exists}.
     */
    public Optional<String> canonicalId(Connection c, OwnerRef owner) throws SQLException {
        Optional<OwnerRef> canonical = canonical(c, owner);
        return canonical.isPresent() && exists(c, canonical.get())
                ? Optional.of(canonical.get().ownerId())
                : Optional.empty();
    }

    /**
     * An SQL expression that is true when the row of the owner whose canonical id is the next parameter
     * exists, for {@link OwnerStateRead}.
     */
    String existsExpression(Connection c, String ownerType) throws SQLException {
        return "exists(" + existsSql(table(ownerType), idType(c, ownerType)) + ")";
    }

    /** The existence query for a table whose {@code id} has the given SQL type. */
    static String existsSql(String quotedTable, String idType) {
        return "select 1 from " + quotedTable + " where id = cast(? as " + idType + ")";
    }

    /** Data exceptions (22xxx: bad uuid, number out of range) and domain check violations (23514). */
    static boolean isRejectedValue(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.equals("23514"));
    }

    private String idType(Connection c, String ownerType) throws SQLException {
        String cached = idTypeByType.get(ownerType);
        if (cached != null) {
            return cached;
        }
        String table = table(ownerType);
        try (PreparedStatement ps = c.prepareStatement(ID_TYPE_SQL)) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new FatalException("owner table " + table + " does not exist or has no column id");
                }
                String type = rs.getString(1);
                idTypeByType.put(ownerType, type);
                return type;
            }
        }
    }
}
