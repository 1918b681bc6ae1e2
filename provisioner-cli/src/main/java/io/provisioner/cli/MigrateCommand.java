package io.provisioner.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.db.Database;
import io.provisioner.db.MigrationResult;
import io.provisioner.db.Migrator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner migrate [--rename-legacy]}: creates or upgrades the database objects; safe to run
 * again. Objects of the contract's names with another shape (the edge function's) stop it with exit code
 * 2 and nothing changed, or are renamed to {@code <name>_legacy} with {@code --rename-legacy} (and locked
 * down). Warns on stderr while the renamed keys table still holds keys in plaintext.
 */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = "Create or upgrade the database objects (safe to run again).")
final class MigrateCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--rename-legacy",
            description = "rename ai_key_provision_jobs, ai_provider_keys, v_ai_provider_keys_public of another"
                    + " shape (the edge function's) to <name>_legacy, then create the provisioner's")
    boolean renameLegacy;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ProvisionerConfig config = options.load();
        String schema = config.cdc().schema();
        PrintWriter out = spec.commandLine().getOut();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "migrate", 2)) {
            MigrationResult result = Migrator.migrate(ds, schema, renameLegacy);
            result.renamed().forEach(r -> out.println("renamed " + r));
            out.printf(
                    "schema %s: %d migration(s) applied, now at version %s%n",
                    schema, result.applied(), result.currentVersion());
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            result.warnings().forEach(w -> err.println("WARNING: " + w));
            err.flush();
            return ProvisionerCli.OK;
        }
    }
}
