package io.provisioner.dev;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the dev jar as a user runs it, in a process of its own with none of the provisioner's settings
 * inherited from the test's environment; asserts that it finished in time and exited 0.
 */
public final class DevJarRun {

    private DevJarRun() {}

    /** What a finished run printed (stdout and stderr together) and its exit code. */
    public record Result(int exit, String out) {}

    /** @return everything the process printed, stdout and stderr together */
    public static String runAndExpectSuccess(Duration timeout, String... args)
            throws IOException, InterruptedException {
        Result r = run(timeout, args);
        assertThat(r.exit()).as("exit code; output:%n%s", r.out()).isZero();
        return r.out();
    }

    /** Runs the dev jar and asserts only that it finished within {@code timeout}. */
    public static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("dev-jar", ".log");
        Process p = start(log, args);
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            stop(p);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        assertThat(finished).as("%s finished; output:%n%s", args[0], out).isTrue();
        return new Result(p.exitValue(), out);
    }

    /**
     * Ends a run that timed out and what it started: killing the bench alone would skip its shutdown hook and
     * leave its simulator and {@code provisioner run} processes up.
     */
    private static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> descendants = p.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle d : descendants) {
            long left = deadline - System.nanoTime();
            try {
                d.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                d.destroyForcibly();
            }
        }
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts the dev jar, stdout and stderr to {@code log}, with none of the user's settings in its environment. */
    public static Process start(Path log, String... args) throws IOException {
        Path jar = Path.of("target", "provisioner-dev.jar");
        assertThat(jar).exists();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment()
                .keySet()
                .removeIf(k -> k.startsWith("OR_")
                        || k.startsWith("CDC_")
                        || k.startsWith("PROVISIONER_")
                        || k.startsWith("DATABASE_")
                        || k.startsWith("KAFKA_")
                        || k.startsWith("OPENROUTER_"));
        return pb.start();
    }
}
