package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** The packaged runtime jar carries what production runs; the demo's servers are in provisioner-dev. */
class RuntimeJarIT {

    private static final Path JAR = Path.of("target", "provisioner.jar");

    @Test
    void runtimeJarCarriesNoEmbeddedPostgresNorKafkaBrokerNorSimulator() throws Exception {
        assertThat(JAR).exists();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertThat(names).filteredOn(n -> n.startsWith("io/zonky/")).isEmpty();
            assertThat(names)
                    .filteredOn(n -> n.startsWith("postgres-") && n.endsWith(".txz"))
                    .isEmpty();
            assertThat(names).filteredOn(n -> n.startsWith("kafka/server/")).isEmpty();
            assertThat(names).filteredOn(n -> n.startsWith("scala/")).isEmpty();
            assertThat(names)
                    .filteredOn(n -> n.startsWith("io/provisioner/simulator/"))
                    .isEmpty();
            assertThat(names)
                    .filteredOn(n -> n.startsWith("io/provisioner/dev/"))
                    .isEmpty();
            assertThat(names)
                    .contains(
                            "io/provisioner/cli/ProvisionerCli.class",
                            "io/provisioner/runtime/Service.class",
                            "org/apache/kafka/streams/KafkaStreams.class",
                            "io/debezium/embedded/async/AsyncEmbeddedEngine.class");
        }
        assertThat(Files.size(JAR)).as("runtime jar size in bytes").isLessThan(150L * 1024 * 1024);
    }

    @Test
    void theDemosCommandsSayWhereTheyAre() throws Exception {
        for (String command : List.of("dev", "bench", "simulator")) {
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-jar",
                            JAR.toString(),
                            command,
                            "--port",
                            "0")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(command).isEqualTo(ProvisionerCli.USAGE);
            assertThat(err).as(command).contains("./provisioner " + command, "provisioner-dev.jar");
        }
    }

    @Test
    void standardOutputCarriesOnlyTheCommandsOwnOutput() throws Exception {
        // what `--json` commands print must parse as it is: no logging library's start-up chatter on stdout
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        JAR.toString(),
                        "config")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("OR_") || k.startsWith("PROVISIONER_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).isZero();
        assertThat(out).doesNotContain("logback").contains("OR_KEY_NAME_PREFIX");
        assertThat(out.lines().findFirst().orElse("")).doesNotContain("|-");
    }
}
