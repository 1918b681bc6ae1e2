package io.provisioner.cli;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.db.Database;
import io.provisioner.db.JobFailure;
import io.provisioner.db.ProvisioningQueries;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code provisioner status}: job counts per status and the latest failures with their errors. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Job counts per status and the latest failures.")
final class StatusCommand implements Callable<Integer> {

    private static final List<String> STATUSES =
            List.of("pending", "processing", "retrying", "succeeded", "dead", "revoked");

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--failures",
            defaultValue = "10",
            description = "latest failures to show (default ${DEFAULT-VALUE})")
    int failures;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ProvisionerConfig config = options.load();
        PrintWriter out = spec.commandLine().getOut();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "status", 2)) {
            ProvisioningQueries q =
                    new ProvisioningQueries(ds, Pipeline.schemaOf(config), Pipeline.ownerTables(config));
            Map<String, Long> counts = q.countsByStatus();
            out.println("jobs");
            for (String s : STATUSES) {
                out.printf("  %-11s %8d%n", s, counts.getOrDefault(s, 0L));
            }
            List<JobFailure> latest = q.latestFailures(failures);
            out.println();
            out.println(latest.isEmpty() ? "no failures" : "latest failures");
            for (JobFailure f : latest) {
                out.printf(
                        "  %-25s %-45s %-9s attempts %d  %s%n",
                        f.updatedAt(),
                        f.owner().key(),
                        f.status(),
                        f.attempts(),
                        f.lastError() == null ? "" : f.lastError());
            }
            out.flush();
        }
        return ProvisionerCli.OK;
    }
}
