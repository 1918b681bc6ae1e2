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
        assertThat(Files.size(JAR)).as("runtime jar size in bytes").isLessThan(50L * 1024 * 1024);
    }

    @Test
    void runtimeJarCarriesNoRocksDbNativeLibrariesNorCodecLibrariesForPlatformsItIsNotRunOn() throws Exception {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            // the topology has no state store: Kafka Streams never loads RocksDB (RunCommandIT runs this jar)
            assertThat(names).filteredOn(n -> n.startsWith("librocksdbjni")).isEmpty();
            assertThat(names).contains("org/rocksdb/RocksDB.class");
            assertThat(names)
                    .contains(
                            "linux/amd64/libzstd-jni-1.5.6-10.so",
                            "linux/aarch64/libzstd-jni-1.5.6-10.so",
                            "org/xerial/snappy/native/Linux/x86_64/libsnappyjava.so",
                            "org/xerial/snappy/native/Linux/aarch64/libsnappyjava.so")
                    .doesNotContain("linux/s390x/libzstd-jni-1.5.6-10.so", "aix/ppc64/libzstd-jni-1.5.6-10.so");
        }
    }

    @Test
    void imageJarsSplitTheRuntimeJarIntoLibrariesAndTheProjectsClasses() throws Exception {
        Path image = Path.of("target", "image");
        try (JarFile runtime = new JarFile(JAR.toFile());
                JarFile classes = new JarFile(image.resolve("provisioner.jar").toFile());
                JarFile libraries = new JarFile(
                        image.resolve("lib/provisioner-dependencies.jar").toFile())) {
            List<String> ours = classes.stream().map(ZipEntry::getName).toList();
            List<String> theirs = libraries.stream().map(ZipEntry::getName).toList();
            assertThat(ours)
                    .contains("io/provisioner/cli/ProvisionerCli.class", "io/provisioner/runtime/Service.class");
            assertThat(ours).filteredOn(n -> n.startsWith("org/")).isEmpty();
            assertThat(theirs).filteredOn(n -> n.startsWith("io/provisioner/")).isEmpty();
            assertThat(theirs).contains("org/apache/kafka/streams/KafkaStreams.class");
            List<String> classFiles = runtime.stream()
                    .map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".class"))
                    .toList();
            assertThat(java.util.stream.Stream.concat(ours.stream(), theirs.stream())
                            .filter(n -> n.endsWith(".class")))
                    .containsExactlyInAnyOrderElementsOf(classFiles);
            assertThat(classes.getManifest().getMainAttributes().getValue("Class-Path"))
                    .isEqualTo("lib/provisioner-dependencies.jar");
        }
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
