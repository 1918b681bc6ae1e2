package io.provisioner.db;

import io.provisioner.db.internal.SqlNames;
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
 */
public final class Migrator {

    public static final String LOCATION = "classpath:db/migration/provisioner";
    public static final String HISTORY_TABLE = "provisioner_schema_history";

    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    private Migrator() {}

    /**
     * @param schema the schema of the source tables (default {@code public}); created when missing
     * @throws IllegalArgumentException when the schema is not a plain identifier
     * @throws FlywayException when a migration fails
     */
    public static MigrationResult migrate(DataSource ds, String schema) {
        SqlNames.requireSchema(schema);
        Flyway flyway = flyway(ds, schema);
        MigrateResult result = flyway.migrate();
        MigrationInfo current = flyway.info().current();
        String version = current == null || current.getVersion() == null
                ? null
                : current.getVersion().getVersion();
        LOG.info(
                "Migrated schema {}: {} migration(s) applied, now at version {}",
                schema,
                result.migrationsExecuted,
                version);
        return new MigrationResult(result.migrationsExecuted, version, schema);
    }

    static Flyway flyway(DataSource ds, String schema) {
        return Flyway.configure()
                .dataSource(ds)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
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
