package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image, built by a Docker engine from the repository's Dockerfile and run as operators run
 * it: against this test's PostgreSQL, Kafka broker and OpenRouter simulator on the host's loopback (host
 * network), with a read-only root filesystem, secrets from {@code _FILE} variables and {@code
 * JAVA_TOOL_OPTIONS}. Not part of {@code ./mvnw verify} (it needs a Docker engine and a base image):
 * {@code .ci/image-test} starts the engine, makes the base image and runs it. Without an engine it fails.
 */
@ExtendWith(SharedInfra.class)
class ImageIT {

    /** The image under test, built here from the jars this build packaged ({@code JARS=context}). */
    private static final String IMAGE = "provisioner:image-test";

    /** {@code docker stop}'s default: SIGTERM, then SIGKILL after 10 s. */
    private static final Duration GRACE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<String> containers = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();

    @BeforeAll
    static void buildImage() throws Exception {
        Docker version = docker(Duration.ofMinutes(1), "version", "--format", "{{.Server.Version}}");
        assertThat(version.exit())
                .as(
                        "a Docker engine answers (DOCKER_HOST=%s); .ci/image-test starts one: %s",
                        System.getenv("DOCKER_HOST"), version.out())
                .isZero();
        String base = System.getenv().getOrDefault("IMAGE_TEST_BASE", "provisioner-base:bookworm-jre17");
        Docker build = docker(
                Duration.ofMinutes(10),
                "build",
                "--build-arg",
                "BASE_IMAGE=" + base,
                "--build-arg",
                "JARS=context",
                "-t",
                IMAGE,
                ContainerFiles.ROOT.toString());
        assertThat(build.exit()).as(build.out()).isZero();
    }

    @AfterEach
    void removeContainers() throws Exception {
        for (String c : containers) {
            docker(Duration.ofMinutes(1), "rm", "-f", "-v", c);
        }
        for (String v : volumes) {
            docker(Duration.ofMinutes(1), "volume", "rm", "-f", v);
        }
    }

    @Test
    void imageMigratesRunsHealthyAsNonRootOnReadOnlyRootAndStopsWithinItsGracePeriodLosingNothing(Infra infra)
            throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            Path secrets = Files.createDirectories(dir.resolve("secrets"));
            List<String> args = new ArrayList<>(List.of(
                    "--network",
                    "host",
                    "--read-only",
                    "--tmpfs",
                    "/tmp",
                    "-v",
                    secrets + ":/run/secrets:ro",
                    "-e",
                    "JAVA_TOOL_OPTIONS=-Xmx256m"));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            f.env.put("PROVISIONER_HTTP_PORT", Integer.toString(port));
            f.env.put("PROVISIONER_HTTP_BIND", "127.0.0.1");
            f.env.remove("PROVISIONER_STATE_DIR"); // the image's own, a volume
            for (Map.Entry<String, String> e : f.env.entrySet()) {
                if (Set.of("OPENROUTER_PROVISIONING_KEY", "DATABASE_PASSWORD", "PROVISIONER_ENCRYPTION_KEY")
                        .contains(e.getKey())) {
                    Path file = secrets.resolve(e.getKey().toLowerCase(java.util.Locale.ROOT));
                    Files.writeString(file, e.getValue());
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
                    args.addAll(List.of("-e", e.getKey() + "_FILE=/run/secrets/" + file.getFileName()));
                } else {
                    args.addAll(List.of("-e", e.getKey() + "=" + e.getValue()));
                }
            }

            Docker migrate = run(args, false, "migrate");
            assertThat(migrate.exit()).as(migrate.out()).isZero();
            assertThat(f.count("select count(*) from information_schema.tables where table_schema = '" + f.schema
                            + "' and table_name = 'ai_provider_keys'"))
                    .as("migrate in a container made the tables")
                    .isEqualTo(1);

            String volume = f.schema + "-state";
            volumes.add(volume);
            args.addAll(List.of("-v", volume + ":/app/state"));
            String first = run(args, true, "run").out().strip();
            List<String> owners = new ArrayList<>(f.insertOwners(10));
            await().atMost(Duration.ofMinutes(3))
                    .until(() ->
                            f.activeKeys() == owners.size() || !state(first).equals("running"));
            assertThat(f.activeKeys()).as(logs(first)).isEqualTo(owners.size());

            await().atMost(Duration.ofMinutes(2)).until(() -> !health(first).equals("starting"));
            assertThat(health(first))
                    .as("the HEALTHCHECK's verdict; %s", logs(first))
                    .isEqualTo("healthy");
            assertThat(exec(first, "sh", "-c", "grep ^Uid: /proc/1/status").out())
                    .as("the JVM (pid 1) runs as the image's user")
                    .matches("Uid:\\s+10001\\s+10001\\s+10001\\s+10001\\s*");
            assertThat(exec(first, "touch", "/app/x").exit())
                    .as("the root filesystem is read-only")
                    .isNotZero();
            assertThat(logs(first)).contains("Picked up JAVA_TOOL_OPTIONS: -Xmx256m");

            // rows committed just before SIGTERM: provisioned by this container before it exits, or by the next
            owners.addAll(f.insertOwners(10));
            Docker stop = docker(GRACE.plusMinutes(1), "stop", "--time", Long.toString(GRACE.toSeconds()), first);
            assertThat(stop.exit()).as(stop.out()).isZero();
            assertThat(inspect(first, "{{.State.ExitCode}}"))
                    .as(
                            "128 + SIGTERM: the process ended by its own hooks within the grace period, not by SIGKILL; %s",
                            logs(first))
                    .isEqualTo("143");
            assertThat(logs(first)).contains("shutting down");

            String second = run(args, true, "run").out().strip();
            await().atMost(Duration.ofMinutes(3))
                    .until(() ->
                            f.activeKeys() == owners.size() || !state(second).equals("running"));
            assertThat(f.activeKeys()).as(logs(second)).isEqualTo(owners.size());
            assertThat(f.simulator.liveKeys())
                    .as("one key per owner, none twice")
                    .hasSize(owners.size());
            String all = logs(first) + logs(second) + migrate.out();
            assertThat(all)
                    .doesNotContain(f.env.get("OPENROUTER_PROVISIONING_KEY"), f.env.get("PROVISIONER_ENCRYPTION_KEY"));

            docker(GRACE.plusMinutes(1), "stop", "--time", Long.toString(GRACE.toSeconds()), second);
            assertThat(inspect(second, "{{.State.ExitCode}}")).as(logs(second)).isEqualTo("143");
            // its walsender ends a moment after the container: then the fixture may drop the slot
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> f.count("select count(*) from pg_replication_slots where active and slot_name = '"
                                    + f.env.get("CDC_SLOT_NAME") + "'")
                            == 0);
        }
    }

    /** {@code docker run} of the image: detached (returns the id) or to completion (returns its output). */
    private Docker run(List<String> args, boolean detached, String... command) throws Exception {
        List<String> all = new ArrayList<>(List.of("run"));
        all.add(detached ? "-d" : "--rm");
        all.addAll(args);
        all.add(IMAGE);
        all.addAll(List.of(command));
        Docker d = docker(Duration.ofMinutes(3), all.toArray(String[]::new));
        if (detached) {
            assertThat(d.exit()).as(d.out()).isZero();
            containers.add(d.out().strip());
        }
        return d;
    }

    private static String state(String container) throws Exception {
        return inspect(container, "{{.State.Status}}");
    }

    private static String health(String container) throws Exception {
        return inspect(container, "{{.State.Health.Status}}");
    }

    private static String inspect(String container, String format) throws Exception {
        return docker(Duration.ofMinutes(1), "inspect", "--format", format, container)
                .out()
                .strip();
    }

    private static String logs(String container) throws Exception {
        return docker(Duration.ofMinutes(1), "logs", container).out();
    }

    private static Docker exec(String container, String... command) throws Exception {
        List<String> all = new ArrayList<>(List.of("exec", container));
        all.addAll(List.of(command));
        return docker(Duration.ofMinutes(1), all.toArray(String[]::new));
    }

    /** What one {@code docker} command printed (stdout and stderr) and returned. */
    record Docker(int exit, String out) {}

    private static Docker docker(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DOCKER_BUILDKIT", "1"); // only the stages the image needs: no JDK image to pull
        Path out = Files.createTempFile("docker", ".out");
        try {
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Docker(-1, "timed out: " + String.join(" ", command) + "\n" + Files.readString(out));
            }
            return new Docker(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
