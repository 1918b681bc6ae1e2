package io.provisioner.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code provisioner dev} in the runtime jar, which carries only what production runs: says where the
 * demo is. {@code provisioner-dev}'s jar replaces it with the demo itself.
 */
@Command(
        name = "dev",
        description =
                "Zero set-up demo; not in this jar: run ./provisioner dev from a checkout (it runs provisioner-dev.jar).")
final class DevUnavailableCommand implements java.util.concurrent.Callable<Integer> {

    static final String MESSAGE = "the demo is not part of this jar, which carries only what production runs (no"
            + " embedded PostgreSQL or Kafka); from a checkout of the repository run ./provisioner dev, which builds"
            + " and runs provisioner-dev/target/provisioner-dev.jar";

    @Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
        throw new UsageException(MESSAGE);
    }
}
