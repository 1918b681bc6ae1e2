package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The README's first command, run as a user runs it: the dev jar in a process of its own. */
class DevCommandIT {

    @Test
    void devDemoProvisionsEverySeededOwnerAndExits() throws Exception {
        Path jar = Path.of("target", "provisioner-dev.jar");
        assertThat(jar).exists();
        Path log = Files.createTempFile("dev", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                        java,
                        "-Xmx1g",
                        "-jar",
                        jar.toString(),
                        "dev",
                        "--owners",
                        "12",
                        "--exit-when-done",
                        "--timeout",
                        "4m")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("OR_")
                        || k.startsWith("CDC_")
                        || k.startsWith("PROVISIONER_")
                        || k.startsWith("DATABASE_")
                        || k.startsWith("KAFKA_")
                        || k.startsWith("OPENROUTER_"));
        Process p = pb.start();
        boolean finished = p.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("dev finished; output:%n%s", out).isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", out).isZero();
        assertThat(out)
                .contains("summary")
                .containsPattern("owners\\s+12")
                .containsPattern("keys stored\\s+12")
                .containsPattern("owners with more than one: 0");
        assertThat(out).doesNotContain("sk-or-v1-");
        Files.deleteIfExists(log);
    }
}
