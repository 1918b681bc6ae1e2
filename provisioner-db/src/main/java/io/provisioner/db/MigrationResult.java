package io.provisioner.db;

import java.util.List;

/**
 * What {@link Migrator#migrate} did.
 *
 * @param applied migrations applied by this run (0 when the schema was up to date)
 * @param currentVersion the schema's version afterwards, e.g. {@code "3"}
 * @param schema the schema migrated
 * @param renamed one line per legacy object renamed to {@code <name>_legacy} (with {@code --rename-legacy})
 * @param warnings what the operator should still do, one line each ({@link Migrator#warnings})
 */
public record MigrationResult(
        int applied, String currentVersion, String schema, List<String> renamed, List<String> warnings) {
    public MigrationResult {
        renamed = List.copyOf(renamed);
        warnings = List.copyOf(warnings);
    }

    public MigrationResult(int applied, String currentVersion, String schema) {
        this(applied, currentVersion, schema, List.of(), List.of());
    }
}
