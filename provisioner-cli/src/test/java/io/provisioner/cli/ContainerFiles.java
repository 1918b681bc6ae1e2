package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.provisioner.core.config.Settings;
import io.provisioner.runtime.Components;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;

/** Reads the repository's Dockerfile and checks names in it against the code; for the container ITs. */
final class ContainerFiles {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** One Dockerfile instruction: its keyword (upper case) and the rest, continuation lines joined. */
    record Instruction(String keyword, String args) {}

    private ContainerFiles() {}

    static List<Instruction> dockerfile() throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            String t = line.strip();
            if (current.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            boolean continues = t.endsWith("\\") && !t.endsWith("\\\\");
            current.append(continues ? t.substring(0, t.length() - 1) : t).append(' ');
            if (!continues) {
                String s = current.toString().strip();
                int space = s.indexOf(' ');
                out.add(new Instruction(
                        s.substring(0, space).toUpperCase(java.util.Locale.ROOT), s.substring(space + 1)));
                current.setLength(0);
            }
        }
        return out;
    }

    static List<Instruction> all(List<Instruction> file, String keyword) {
        return file.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The instructions of the last stage (the image that runs). */
    static List<Instruction> finalStage(List<Instruction> file) {
        int last = 0;
        for (int i = 0; i < file.size(); i++) {
            if (file.get(i).keyword().equals("FROM")) {
                last = i;
            }
        }
        return file.subList(last, file.size());
    }

    /** The ENV of the final stage ({@code ENV A=1 B=2}). */
    static Map<String, String> env(List<Instruction> stage) {
        Map<String, String> env = new TreeMap<>();
        for (Instruction i : all(stage, "ENV")) {
            for (String pair : i.args().trim().split("\\s+")) {
                int eq = pair.indexOf('=');
                env.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env;
    }

    static List<String> jsonArray(String args) throws IOException {
        return List.of(new ObjectMapper().readValue(args, String[].class));
    }

    /** Variables the process itself reads, not the provisioner: glibc's malloc arenas. */
    private static final java.util.Set<String> PROCESS_ENVIRONMENT = java.util.Set.of("MALLOC_ARENA_MAX");

    /** Asserts that {@code name} is a setting the code declares, a secret's {@code _FILE}, or a Kafka pass-through. */
    static void assertDeclared(String name) {
        boolean declared = Settings.ALL.stream()
                .anyMatch(s -> s.env().equals(name)
                        || s.aliases().contains(name)
                        || (s.secret() && (s.env() + "_FILE").equals(name)));
        assertThat(declared || name.startsWith("KAFKA_") || PROCESS_ENVIRONMENT.contains(name))
                .as("%s is a declared setting (Settings.ALL), a KAFKA_* pass-through or read by the C library", name)
                .isTrue();
    }

    /** Asserts that {@code args} is a command line of the runtime jar: picocli parses it, unknown options fail. */
    static void assertParses(List<String> args) {
        CommandLine cli = ProvisionerCli.commandLine(Map.of());
        CommandLine.ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        assertThat(parsed.hasSubcommand()).as("%s names a subcommand", args).isTrue();
        assertThat(parsed.subcommand().commandSpec().name()).as("%s", args).isNotEqualTo("dev");
        if (parsed.subcommand().hasMatchedOption("--components")) {
            Components.parse(parsed.subcommand().matchedOptionValue("--components", ""));
        }
    }
}
