package io.provisioner.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code provisioner bench} in the runtime jar, which carries no embedded servers: says where the
 * benchmark is. {@code provisioner-dev}'s jar replaces it with the benchmark itself.
 */
@Command(
        name = "bench",
        description =
                "The benchmark; not in this jar: run ./provisioner bench from a checkout (it runs provisioner-dev.jar).")
final class BenchUnavailableCommand implements java.util.concurrent.Callable<Integer> {

    static final String MESSAGE = "the benchmark is not part of this jar, which carries only what production runs"
            + " (no embedded PostgreSQL or Kafka); from a checkout of the repository run ./provisioner bench, which"
            + " builds and runs provisioner-dev/target/provisioner-dev.jar";

    @Unmatched
    List<String> ignored;

    @Override
    public Integer call() {
        throw new UsageException(MESSAGE);
    }
}
