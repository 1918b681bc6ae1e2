package io.provisioner.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * A command of {@code provisioner-dev.jar} ({@code dev}, {@code bench}, {@code simulator}) as the runtime jar
 * shows it: the runtime jar carries only what production runs, so it says where the command is. When
 * {@code provisioner-dev.jar} is on the class path, its {@link CliExtension} of the same name replaces this.
 */
@Command
final class ElsewhereCommand implements Callable<Integer> {

    /** A command that lives in {@code provisioner-dev.jar}, with its one-line description. */
    private record Elsewhere(String name, String description) {}

    private static final List<Elsewhere> COMMANDS = List.of(
            new Elsewhere("dev", "Zero set-up demo (embedded PostgreSQL and Kafka, OpenRouter simulator)"),
            new Elsewhere("bench", "The benchmark"),
            new Elsewhere("simulator", "The OpenRouter key-management simulator alone"));

    private final String name;

    @Unmatched
    List<String> ignored;

    private ElsewhereCommand(String name) {
        this.name = name;
    }

    static void addTo(CommandLine cli) {
        for (Elsewhere command : COMMANDS) {
            CommandLine sub = new CommandLine(new ElsewhereCommand(command.name()));
            sub.getCommandSpec()
                    .usageMessage()
                    .description(command.description() + "; not in this jar: run ./provisioner " + command.name()
                            + " from a checkout (it runs provisioner-dev.jar).");
            cli.addSubcommand(command.name(), sub);
        }
    }

    static String message(String name) {
        return "`" + name + "` is not part of this jar, which carries only what production runs (no embedded"
                + " PostgreSQL or Kafka, no OpenRouter simulator); from a checkout of the repository run ./provisioner "
                + name + ", which builds and runs provisioner-dev/target/provisioner-dev.jar";
    }

    @Override
    public Integer call() {
        throw new UsageException(message(name));
    }
}
