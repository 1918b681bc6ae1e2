package io.provisioner.db;

import io.provisioner.db.internal.LegacyRenamer;
import io.provisioner.db.internal.LockDown;
import io.provisioner.db.internal.ShapeInspector;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.schema.ShapeMismatch;
import io.provisioner.db.schema.SqlNames;
import io.provisioner.db.schema.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or upgrades the database objects of CONTRACT section 4 (and the rate limiter's bucket table)
 * with Flyway, from {@code classpath:db/migration/provisioner}. The history is kept in
 * {@code provisioner_schema_history}, so a user's own Flyway history is never touched; a schema that
 * already holds the user's tables is baselined at version 0 and then migrated. Idempotent, and safe to
 * run from several instances at once (Flyway takes an advisory lock).
 *
 * <p>Objects of the contract's names with another shape (the edge function's, see {@link ShapeInspector}
 * for what counts) stop it before anything is changed, with a {@link LegacySchemaException}; with
 * {@code renameLegacy} they are renamed to {@code <name>_legacy} first (the public view too when the keys
 * table is renamed, since it reads that table), and locked down as they are renamed.
 *
 * <p>Every run, re-runs with nothing to apply included, locks the objects down again ({@link LockDown}):
 * roles and blanket grants made after the first run (Supabase's) are taken back, and {@code service_role}
 * keeps exactly {@code select} on the jobs, the keys and the public view.
 */
public final class Migrator {

    public static final String LOCATION = "classpath:db/migration/provisioner";

    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    private Migrator() {}

    static final String ADVICE = "Run `provisioner migrate --rename-legacy` to rename them to <name>_legacy and"
            + " create the provisioner's, then adopt the existing keys with `provisioner import-keys`"
            + " (docs/migrating-from-edge-function.md).";

    /** As {@link #migrate(DataSource, String, boolean)} without renaming: objects of another shape stop it. */
    public static MigrationResult migrate(DataSource ds, String schema) {
        return migrate(ds, schema, false);
    }

    /**
     * @param schema the schema of the source tables (default {@code public}); created when missing
     * @param renameLegacy rename objects of another shape to {@code <name>_legacy} instead of stopping
     * @throws IllegalArgumentException when the schema is not a plain identifier
     * @throws LegacySchemaException when objects have another shape and {@code renameLegacy} is false, or
     *     their {@code _legacy} names are taken; nothing was changed
     * @throws FlywayException when a migration fails
     */
    public static MigrationResult migrate(DataSource ds, String schema, boolean renameLegacy) {
        SqlNames.requireSchema(schema);
        List<String> renamed = Tx.inTransaction(ds, "inspect schema " + schema, c -> {
            List<ShapeMismatch> legacy = ShapeInspector.mismatches(c, schema);
            if (legacy.isEmpty()) {
                return List.<String>of();
            }
            if (!renameLegacy) {
                throw new LegacySchemaException(schema, legacy, ADVICE);
            }
            List<ShapeMismatch> all = withDependentView(c, schema, legacy);
            List<String> taken = LegacyRenamer.clashes(c, schema, all);
            if (!taken.isEmpty()) {
                throw new LegacySchemaException(
                        schema,
                        all,
                        "Cannot rename: " + String.join(", ", taken) + " exist(s) already; drop or"
                                + " rename them first.");
            }
            return LegacyRenamer.rename(c, schema, all);
        });
        renamed.forEach(r -> LOG.info("Renamed legacy {}", r));
        Flyway flyway = flyway(ds, schema);
        MigrateResult result = flyway.migrate();
        Tx.inTransaction(ds, "lock down schema " + schema, c -> {
            LockDown.contractObjects(c, schema, Tables.SCHEMA_HISTORY);
            for (String name : List.of(Tables.JOBS, Tables.KEYS, Tables.KEYS_PUBLIC_VIEW, Tables.POLICIES)) {
                LockDown.legacyObject(c, schema, Tables.legacy(name));
            }
            return null;
        });
        MigrationInfo current = flyway.info().current();
        String version = current == null || current.getVersion() == null
                ? null
                : current.getVersion().getVersion();
        LOG.info(
                "Migrated schema {}: {} migration(s) applied, now at version {}",
                schema,
                result.migrationsExecuted,
                version);
        List<String> warnings = warnings(ds, schema);
        warnings.forEach(w -> LOG.warn("{}", w));
        return new MigrationResult(result.migrationsExecuted, version, schema, renamed, warnings);
    }

    /**
     * What the operator should still do about the schema: while the edge function's keys table, renamed
     * to {@code ai_provider_keys_legacy}, holds keys in plaintext, a line naming it. Read-only.
     */
    public static List<String> warnings(DataSource ds, String schema) {
        SqlNames.requireSchema(schema);
        String legacy = schema + "." + Tables.legacy(Tables.KEYS);
        return Tx.autoCommit(ds, "inspect schema " + schema, c -> {
            String found;
            try {
                if (!ShapeInspector.legacyPlaintextKeys(c, schema)) {
                    return List.<String>of();
                }
                found = "holds OpenRouter keys in plaintext";
            } catch (java.sql.SQLException e) {
                if (!"42501".equals(e.getSQLState())) {
                    throw e;
                }
                found = "exists and may hold OpenRouter keys in plaintext (this role may not read it)";
            }
            return List.of(legacy + " " + found + ": once `provisioner import-keys` has adopted them, drop it"
                    + " (docs/migrating-from-edge-function.md)");
        });
    }

    /** The view reads the keys table by identity: when that table is renamed, the view goes with it. */
    private static List<ShapeMismatch> withDependentView(
            java.sql.Connection c, String schema, List<ShapeMismatch> legacy) throws java.sql.SQLException {
        boolean keysRenamed = legacy.stream().anyMatch(m -> m.object().equals(Tables.KEYS));
        boolean viewListed = legacy.stream().anyMatch(m -> m.object().equals(Tables.KEYS_PUBLIC_VIEW));
        if (!keysRenamed
                || viewListed
                || ShapeInspector.relation(c, schema, Tables.KEYS_PUBLIC_VIEW).isEmpty()) {
            return legacy;
        }
        List<ShapeMismatch> all = new ArrayList<>(legacy);
        all.add(new ShapeMismatch(Tables.KEYS_PUBLIC_VIEW, List.of("reads the legacy " + Tables.KEYS)));
        return all;
    }

    static Flyway flyway(DataSource ds, String schema) {
        return Flyway.configure()
                .dataSource(ds)
                .locations(LOCATION)
                .table(Tables.SCHEMA_HISTORY)
                .schemas(schema)
                .defaultSchema(schema)
                .createSchemas(true)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .placeholders(Map.of("schema", schema))
                .cleanDisabled(true)
                .load();
    }
}
