package io.provisioner.cli;

import static io.provisioner.cli.ContainerFiles.all;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.provisioner.cli.ContainerFiles.Instruction;
import io.provisioner.runtime.OpsHttpServer;
import io.provisioner.runtime.Pipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile against the code, without a Docker engine: the image runs the jar the build makes, as
 * a non-root user, with declared settings; its HEALTHCHECK command, run here with bash against a real
 * {@code /health}, passes on UP and fails on DOWN.
 */
class DockerfileIT {

    @Test
    void imageRunsTheRuntimeJarAsNonRootWithDeclaredSettings() throws Exception {
        List<Instruction> file = ContainerFiles.dockerfile();
        List<Instruction> stage = ContainerFiles.finalStage(file);
        assertThat(stage.get(0).args()).isEqualTo("${BASE_IMAGE}");
        assertThat(all(file, "ARG"))
                .extracting(Instruction::args)
                .anyMatch(a -> a.matches("BASE_IMAGE=eclipse-temurin:(1[7-9]|[2-9][0-9])-jre"))
                .contains("JARS=build");
        assertThat(all(file, "RUN").get(0).args()).contains("./mvnw", "-pl provisioner-cli", "package");

        List<String> entry =
                ContainerFiles.jsonArray(all(stage, "ENTRYPOINT").get(0).args());
        String jar = entry.get(entry.size() - 1);
        assertThat(entry.subList(entry.size() - 2, entry.size())).containsExactly("-jar", jar);
        // two layers: the libraries the jar's manifest names, then the project's classes
        String classPath;
        try (java.util.jar.JarFile built = new java.util.jar.JarFile("target/image/provisioner.jar")) {
            classPath = built.getManifest().getMainAttributes().getValue("Class-Path");
        }
        Path libraries = Path.of(jar).resolveSibling(classPath);
        assertThat(all(stage, "COPY"))
                .extracting(Instruction::args)
                .containsExactly(
                        "--from=jars /src/provisioner-cli/target/image/lib/ " + libraries.getParent() + "/",
                        "--from=jars /src/provisioner-cli/target/image/provisioner.jar " + jar);
        assertThat(Path.of("target/image").resolve(classPath)).exists();
        List<String> cmd = ContainerFiles.jsonArray(all(stage, "CMD").get(0).args());
        assertThat(cmd).containsExactly("run");
        ContainerFiles.assertParses(cmd);

        List<Instruction> users = all(stage, "USER");
        assertThat(users).hasSize(1);
        assertThat(users.get(0).args()).doesNotMatch("(root|0)(:.*)?");

        Map<String, String> env = ContainerFiles.env(stage);
        env.keySet().forEach(ContainerFiles::assertDeclared);
        assertThat(env).containsEntry("PROVISIONER_HTTP_BIND", "0.0.0.0");
        assertThat(all(stage, "EXPOSE"))
                .extracting(Instruction::args)
                .containsExactly(env.get("PROVISIONER_HTTP_PORT"));
    }

    @Test
    void simulatorImageRunsTheDemosJarNotTheRuntimeJar() throws Exception {
        List<Instruction> file = ContainerFiles.dockerfile();
        int from = -1;
        for (int i = 0; i < file.size(); i++) {
            if (file.get(i).keyword().equals("FROM") && file.get(i).args().endsWith(" AS simulator")) {
                from = i;
            }
        }
        assertThat(from).as("a stage named simulator").isNotNegative();
        List<Instruction> stage = new java.util.ArrayList<>();
        for (int i = from;
                i < file.size() && (i == from || !file.get(i).keyword().equals("FROM"));
                i++) {
            stage.add(file.get(i));
        }
        List<String> entry =
                ContainerFiles.jsonArray(all(stage, "ENTRYPOINT").get(0).args());
        assertThat(entry.subList(entry.size() - 3, entry.size()))
                .containsExactly("-jar", "/app/provisioner-dev.jar", "simulator");
        assertThat(all(stage, "COPY"))
                .extracting(Instruction::args)
                .containsExactly(
                        "--from=jars-dev /src/provisioner-dev/target/provisioner-dev.jar /app/provisioner-dev.jar");
        assertThat(all(stage, "USER").get(0).args()).doesNotMatch("(root|0)(:.*)?");
    }

    @Test
    void healthcheckPassesWhenHealthIsUpAndFailsWhenDown() throws Exception {
        assertThat(probe(true)).as("exit code of the HEALTHCHECK command on UP").isZero();
        assertThat(probe(false))
                .as("exit code of the HEALTHCHECK command on DOWN")
                .isNotZero();
    }

    private static int probe(boolean up) throws Exception {
        Instruction check = all(ContainerFiles.finalStage(ContainerFiles.dockerfile()), "HEALTHCHECK")
                .get(0);
        assertThat(check.args()).contains("--timeout=");
        List<String> cmd =
                ContainerFiles.jsonArray(check.args().substring(check.args().indexOf("CMD ") + 4));
        assertThat(cmd.get(0))
                .as("bash exists in the JRE image; /bin/sh (dash) has no /dev/tcp")
                .isEqualTo("bash");
        Map<String, Pipeline.Health> health = Map.of("provisioner", new Pipeline.Health(up, up ? "UP" : "paused"));
        try (OpsHttpServer ops = new OpsHttpServer(
                "127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> health)) {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.directory(Path.of(".").toFile());
            pb.environment().put("PROVISIONER_HTTP_PORT", Integer.toString(ops.port()));
            Process p = pb.start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS))
                    .as("health check finished")
                    .isTrue();
            return p.exitValue();
        }
    }
}
