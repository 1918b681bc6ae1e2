package io.provisioner.cli;

import io.provisioner.core.config.ConfigException;
import io.provisioner.db.LegacySchemaException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code provisioner} executable. Exit codes: 0 success, 1 failure, 2 bad usage or configuration (also
 * database objects of another shape, which {@code migrate}, {@code run} and {@code dev} refuse to touch).
 */
@Command(
        name = "provisioner",
        mixinStandardHelpOptions = true,
        version = "provisioner 0.1.0",
        description = "Gives every organization and teacher its own OpenRouter API key, exactly once.",
        subcommands = {
            RunCommand.class,
            MigrateCommand.class,
            ConfigCommand.class,
            LagCommand.class,
            ReplayCommand.class,
            DltCommand.class,
            StatusCommand.class,
            RotateCommand.class,
            RotateKeysCommand.class,
            ReconcileCommand.class,
            ImportKeysCommand.class,
            CommandLine.HelpCommand.class
        })
public final class ProvisionerCli {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    private final Map<String, String> environment;

    private ProvisionerCli(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The environment the command line {@code command} belongs to reads its settings from. */
    public static Map<String, String> environment(CommandSpec command) {
        return ((ProvisionerCli) command.root().userObject()).environment;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one command line and returns its exit code; never calls {@code System.exit}. */
    public static int execute(String... args) {
        return execute(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, reading settings from {@code environment} and writing to the given streams. */
    public static int execute(Map<String, String> environment, PrintWriter out, PrintWriter err, String... args) {
        String format = System.getenv("LOG_FORMAT");
        if (System.getProperty(LogSetup.FORMAT_PROPERTY) == null) {
            System.setProperty(
                    LogSetup.FORMAT_PROPERTY,
                    format != null && format.trim().equalsIgnoreCase("json") ? "json" : "text");
        }
        CommandLine cli = commandLine(environment);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(ProvisionerCli::handle);
        return cli.execute(args);
    }

    /** Every command of this class path, reading settings from {@code environment}. */
    static CommandLine commandLine(Map<String, String> environment) {
        CommandLine cli = new CommandLine(new ProvisionerCli(environment));
        ElsewhereCommand.addTo(cli);
        addExtensions(cli);
        return cli;
    }

    /** Subcommands of other jars on the class path (the demo's), each replacing a built-in of its name. */
    private static void addExtensions(CommandLine cli) {
        for (CliExtension extension : ServiceLoader.load(CliExtension.class)) {
            CommandLine sub = new CommandLine(extension);
            cli.getCommandSpec().removeSubcommand(sub.getCommandName());
            cli.addSubcommand(sub.getCommandName(), sub);
        }
    }

    private static int handle(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof ConfigException || e instanceof UsageException || e instanceof LegacySchemaException) {
            err.println("error: " + e.getMessage());
            err.flush();
            return USAGE;
        }
        Throwable root = e;
        while (root.getCause() instanceof ConfigException) {
            root = root.getCause();
        }
        if (root instanceof ConfigException) {
            err.println("error: " + root.getMessage());
            err.flush();
            return USAGE;
        }
        err.println("error: " + describe(e));
        err.flush();
        org.slf4j.LoggerFactory.getLogger(ProvisionerCli.class).debug("command failed", e);
        return FAILURE;
    }

    /** The failure's message and, when it says something else, its root cause's (our messages hold no secret). */
    static String describe(Throwable e) {
        String top = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e || root.getMessage() == null || top.contains(root.getMessage())) {
            return top;
        }
        return top + " (cause: " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
