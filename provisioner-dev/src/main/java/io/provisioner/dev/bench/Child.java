package io.provisioner.dev.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A process the bench started: a {@code java -jar} of its own, standard output and error to a log file,
 * standard input a pipe the bench holds (closing it tells {@code bench-servers} to stop). Every child still
 * running when the bench's JVM exits (Ctrl-C included) is ended by a shutdown hook, those marked
 * {@link #stopsLast} (the servers the others use) after the others; once the hook runs, no child starts.
 */
final class Child implements AutoCloseable {
    private static final Live LIVE = new Live();
    private static final Duration GRACE = Duration.ofSeconds(30);
    /** What the shutdown hook gives a child that does not {@link #stopsLast}. */
    private static final Duration HOOK_GRACE = Duration.ofSeconds(10);

    /** Environment variables a JVM reads its options from: a child runs with the bench's options only. */
    static final Set<String> JVM_OPTION_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            List<Child> all = LIVE.closing();
                            List<Child> first =
                                    all.stream().filter(c -> !c.last).toList();
                            List<Child> last = all.stream().filter(c -> c.last).toList();
                            for (Child c : first) {
                                c.process.destroy();
                            }
                            for (Child c : first) {
                                c.stop(HOOK_GRACE);
                            }
                            for (Child c : last) {
                                c.stop(c.grace);
                            }
                        },
                        "bench-children-stop"));
    }

    /**
     * The children running: a child starts only through {@link #start(Callable)}, which refuses once
     * {@link #closing()} (the shutdown hook) has taken its list, so no child is left out of it.
     */
    static final class Live {
        private final Set<Child> children = new HashSet<>();
        private boolean closing;

        synchronized Child start(Callable<Child> spawn) throws Exception {
            if (closing) {
                throw new IllegalStateException("shutting down");
            }
            Child c = spawn.call();
            children.add(c);
            return c;
        }

        synchronized List<Child> closing() {
            closing = true;
            return new ArrayList<>(children);
        }

        synchronized void remove(Child c) {
            children.remove(c);
        }
    }

    private final String name;
    private final Process process;
    private final Path log;
    /** {@link System#nanoTime()} just before the process was spawned. */
    final long spawnedAt;

    private volatile boolean last;
    private volatile Duration grace = GRACE;

    private Child(String name, Process process, Path log, long spawnedAt) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.spawnedAt = spawnedAt;
    }

    /**
     * Starts {@code java <jvmOptions> -jar <jar> <args>} with the bench's environment less every setting of
     * the provisioner's, plus {@code settings}; output to {@code log}.
     */
    static Child start(
            String name, List<String> jvmOptions, Path jar, List<String> args, Map<String, String> settings, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        prepare(pb.environment(), settings);
        try {
            return LIVE.start(() -> {
                long t0 = System.nanoTime();
                return new Child(name, pb.start(), log, t0);
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A child's environment from the bench's {@code env}: less every setting of the provisioner's and the
     * JVM option variables (its figures are for the JVM options it is given), plus {@code settings}.
     */
    static void prepare(Map<String, String> env, Map<String, String> settings) {
        env.keySet().removeIf(k -> isSetting(k) || JVM_OPTION_VARIABLES.contains(k));
        settings.forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
            }
        });
    }

    /**
     * Marks this child as one the others need (the servers): the shutdown hook stops it after them, and it
     * gets {@code grace} there and on {@link #close()}, which should outlast its own waits when stopping.
     */
    Child stopsLast(Duration grace) {
        this.grace = grace;
        this.last = true;
        return this;
    }

    /** A setting of the provisioner's or of its servers, which a child gets only from the bench. */
    static boolean isSetting(String name) {
        return name.startsWith("OR_")
                || name.startsWith("CDC_")
                || name.startsWith("PROVISIONER_")
                || name.startsWith("DATABASE_")
                || name.startsWith("KAFKA_")
                || name.startsWith("OPENROUTER_")
                || name.equals("LOG_FORMAT");
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** The log's lines so far. */
    List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Waits until a line of the log matches {@code ready} and returns the lines so far.
     *
     * @throws IllegalStateException with the log's tail, when the process ends first or {@code timeout} passes
     */
    List<String> awaitLine(Predicate<String> ready, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = lines();
            if (lines.stream().anyMatch(ready)) {
                return lines;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with " + process.exitValue() + " before it was ready\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not ready in " + timeout.toSeconds() + " s\n" + tail(40));
            }
            Thread.sleep(100);
        }
    }

    /** The last {@code n} lines of the log, indented, under a heading naming the process and the file. */
    String tail(int n) {
        List<String> lines = lines();
        StringBuilder b = new StringBuilder("--- last lines of " + name + " (" + log + "):\n");
        for (String l : lines.subList(Math.max(0, lines.size() - n), lines.size())) {
            b.append("    ").append(l).append('\n');
        }
        return b.toString();
    }

    /** VmRSS from /proc/<pid>/status in bytes; empty when the process is gone or not on Linux. */
    Optional<Long> rss() {
        return Rss.of(Path.of("/proc", Long.toString(process.pid()), "status"));
    }

    /** Sends SIGTERM (closing stdin first), waits up to {@code grace}, then kills. */
    void stop(Duration grace) {
        try {
            terminate();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            LIVE.remove(this);
        }
    }

    /** Closes its standard input and sends SIGTERM, without waiting. */
    void terminate() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // gone already
        }
        process.destroy();
    }

    @Override
    public void close() {
        stop(grace);
    }
}
