package io.provisioner.db;

/**
 * What {@link Migrator#migrate} did.
 *
 * @param applied migrations applied by this run (0 when the schema was up to date)
 * @param currentVersion the schema's version afterwards, e.g. {@code "3"}
 * @param schema the schema migrated
 */
public record MigrationResult(int applied, String currentVersion, String schema) {}
