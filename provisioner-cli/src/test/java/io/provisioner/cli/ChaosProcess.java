package io.provisioner.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code provisioner run --components X} child process of the packaged jar, started again after
 * every kill, or the one-off commands of one operator ({@link #launch}, {@link #runOnce}). Its output (all
 * lifetimes) goes to one log file, each lifetime headed by a marker line.
 * Not thread-safe: one chaos thread drives it, the test thread only reads its state at the end.
 */
final class ChaosProcess implements AutoCloseable {

    private static final List<String> INHERITED_PREFIXES =
            List.of("OR_", "CDC_", "PROVISIONER_", "KAFKA_", "DATABASE_", "OPENROUTER_");

    private final Path jar;
    private final String name;
    private final String component;
    private final Map<String, String> env;
    private final Path log;
    private volatile Process process;
    private int starts;
    private int kills;
    private int freezes;

    /**
     * @param jar the packaged executable
     * @param env the whole provisioner configuration of this process (inherited settings are dropped)
     */
    ChaosProcess(Path jar, String name, String component, Map<String, String> env, Path logDir) {
        this.jar = jar;
        this.name = name;
        this.component = component;
        this.env = Map.copyOf(env);
        this.log = logDir.resolve(name + ".log");
    }

    String name() {
        return name;
    }

    String component() {
        return component;
    }

    int kills() {
        return kills;
    }

    int freezes() {
        return freezes;
    }

    /**
     * SIGSTOP, as a long GC pause or a frozen VM would: the process keeps its sockets and state but does
     * nothing, so its group session expires and its partitions move on. Returns the frozen lifetime's pid
     * for {@link #thaw(long)}.
     */
    long freeze() throws IOException, InterruptedException {
        freezes++;
        long pid = process.pid();
        mark("SIGSTOP #" + freezes + " of pid " + pid);
        signal("-STOP", pid);
        return pid;
    }

    /** SIGCONT to that lifetime; harmless when it was killed meanwhile. */
    void thaw(long pid) throws IOException, InterruptedException {
        mark("SIGCONT of pid " + pid);
        signal("-CONT", pid);
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", signal, Long.toString(pid))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor(10, TimeUnit.SECONDS);
    }

    void start() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(
                        java, "-Xmx512m", "-XX:+UseSerialGC", "-jar", jar.toString(), "run", "--components", component)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> INHERITED_PREFIXES.stream().anyMatch(k::startsWith));
        pb.environment().putAll(env);
        starts++;
        mark("start #" + starts);
        process = pb.start();
    }

    /** SIGKILL, as the kernel's OOM killer or a lost node would: no shutdown hook, no graceful close. */
    void kill() throws InterruptedException, IOException {
        kills++;
        mark("SIGKILL #" + kills + " of pid " + process.pid());
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Runs a one-off {@code provisioner <args>} with this process's settings, its output appended to this
     * log, and waits for it; returns its exit code.
     */
    int runOnce(String... args) throws IOException, InterruptedException {
        Process once = launch(args);
        boolean ended;
        try {
            ended = once.waitFor(2, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            once.destroyForcibly(); // the test is being torn down
            throw e;
        }
        if (!ended) {
            once.destroyForcibly();
            throw new IllegalStateException("provisioner " + String.join(" ", args) + " did not finish in 2 min");
        }
        return once.exitValue();
    }

    /**
     * Starts a one-off {@code provisioner <args>} with this process's settings, its output appended to this
     * log, and returns at once; one one-off at a time, so that {@link #sinceLastOneOff()} reads its output.
     */
    Process launch(String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> INHERITED_PREFIXES.stream().anyMatch(k::startsWith));
        pb.environment().putAll(env);
        mark("one-off " + String.join(" ", args));
        return pb.start();
    }

    /** SIGKILL of a one-off started by {@link #launch}, whatever it is doing. */
    void kill(Process oneOff) throws IOException, InterruptedException {
        kills++;
        mark("SIGKILL #" + kills + " of one-off pid " + oneOff.pid());
        oneOff.destroyForcibly();
        oneOff.waitFor(30, TimeUnit.SECONDS);
    }

    /** The log from the start of the last one-off on: its output so far. */
    String sinceLastOneOff() throws IOException {
        String all = readLog();
        int from = all.lastIndexOf("=== " + name + " one-off ");
        return from < 0 ? "" : all.substring(from);
    }

    /** True while the current lifetime runs; false once it exited, whoever ended it. */
    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Exit code of an ended lifetime, or null while it runs. */
    Integer exitCode() {
        Process p = process;
        return p == null || p.isAlive() ? null : p.exitValue();
    }

    /** True when the log holds {@code text} after the last start marker. */
    boolean loggedSinceStart(String text) throws IOException {
        String all = readLog();
        int from = all.lastIndexOf("=== " + name + " start #");
        return from >= 0 && all.indexOf(text, from) >= 0;
    }

    String tail(int lines) {
        try {
            List<String> all = readLog().lines().toList();
            String state = alive() ? "running" : "exited with code " + exitCode();
            return name + " (" + state + ", " + log + "):\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return name + ": cannot read " + log + ": " + e;
        }
    }

    String readLog() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private void mark(String what) throws IOException {
        Files.writeString(
                log,
                "=== " + name + " " + what + " at " + Instant.now() + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** SIGTERM and a bounded wait for the graceful shutdown, then SIGKILL. */
    @Override
    public void close() throws InterruptedException, IOException {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        signal("-CONT", p.pid()); // a frozen process would not handle SIGTERM
        p.destroy();
        if (!p.waitFor(40, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
