package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** The packaged runtime jar carries what production runs; the demo's servers are in provisioner-dev. */
class RuntimeJarIT {

    private static final Path JAR = Path.of("target", "provisioner.jar");

    @Test
    void runtimeJarCarriesNoEmbeddedPostgresNorKafkaBroker() throws Exception {
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
                    .contains(
                            "io/provisioner/cli/ProvisionerCli.class",
                            "io/provisioner/cli/SimulatorCommand.class",
                            "org/apache/kafka/streams/KafkaStreams.class",
                            "io/debezium/embedded/async/AsyncEmbeddedEngine.class");
        }
        assertThat(Files.size(JAR)).as("runtime jar size in bytes").isLessThan(150L * 1024 * 1024);
    }
}
