package io.provisioner.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.db.Database;
import io.provisioner.db.Migrator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code provisioner migrate}: creates or upgrades the database objects; safe to run again. */
@Command(
        name = "migrate",
        mixinStandardHelpOptions = true,
        description = "Create or upgrade the database objects (safe to run again).")
final class MigrateCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ProvisionerConfig config = options.load();
        String schema = Pipeline.schemaOf(config);
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "migrate", 2)) {
            var result = Migrator.migrate(ds, schema);
            spec.commandLine().getOut().println("schema " + schema + ": " + result);
        }
        return ProvisionerCli.OK;
    }
}
