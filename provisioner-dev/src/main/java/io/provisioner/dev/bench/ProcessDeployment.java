package io.provisioner.dev.bench;

import io.provisioner.runtime.Components;
import io.provisioner.stream.ProvisionerStreamApp;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * As deployed: every instance {@code java <JVM_OPTIONS> -jar provisioner.jar run --components ...}, a process
 * of its own with its settings as environment variables, its own state directory and ops port, its output in
 * a log file of its own. The components then use the contract's application id and group names; scenarios
 * run one after the other, each on topics, slot and publication of its own.
 */
final class ProcessDeployment implements Deployment {
    /**
     * The JVM options of every component process, in this one place: the image's (the Dockerfile's
     * ENTRYPOINT, for a container of 512 MiB; {@code ProcessDeploymentTest} keeps them equal) after
     * {@code -XX:MaxRAM=512m}, which sizes the JVM as that container's limit would.
     */
    static final String JVM_OPTIONS = "-XX:MaxRAM=512m -XX:MaxRAMPercentage=50 -XX:MaxMetaspaceSize=128m"
            + " -XX:ReservedCodeCacheSize=64m -XX:+UseSerialGC -Xss512k -XX:+ExitOnOutOfMemoryError";

    /** The image's environment for the C library ({@code ENV MALLOC_ARENA_MAX=2} in the Dockerfile). */
    static final Map<String, String> PROCESS_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final Path provisionerJar;
    private final Path logDir;
    /** The ops ports handed out in this run. */
    private final Set<Integer> handedOut = new HashSet<>();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    ProcessDeployment(Path provisionerJar, Path logDir) {
        this.provisionerJar = provisionerJar;
        this.logDir = logDir;
    }

    /**
     * provisioner.jar beside the running provisioner-dev.jar in the repository (provisioner-dev/target and
     * provisioner-cli/target).
     *
     * @throws IllegalStateException naming the build command, when it is not there
     */
    static Path provisionerJar(Path devJar) {
        Path jar = devJar.toAbsolutePath()
                .getParent()
                .resolve(Path.of("..", "..", "provisioner-cli", "target", "provisioner.jar"))
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("bench as deployed runs the components from " + jar
                    + ", which is missing; build it with"
                    + " ./mvnw -B -DskipTests -pl provisioner-dev,provisioner-cli -am package"
                    + " (./provisioner bench does), or run bench --one-jvm");
        }
        return jar;
    }

    @Override
    public String mode() {
        return "as deployed (separate processes)";
    }

    @Override
    public boolean separateProcesses() {
        return true;
    }

    @Override
    public List<Set<Components>> layout(int provisioners) {
        List<Set<Components>> out = new ArrayList<>();
        out.add(EnumSet.of(Components.CDC, Components.RETRY));
        for (int i = 0; i < provisioners; i++) {
            out.add(EnumSet.of(Components.PROVISIONER));
        }
        return out;
    }

    @Override
    public String streamGroup(String schema) {
        return ProvisionerStreamApp.APPLICATION_ID;
    }

    @Override
    public Instance start(String schema, int index, Map<String, String> settings, Set<Components> components)
            throws IOException {
        String kind = Deployment.kind(components);
        int port = freePort();
        Map<String, String> env = new HashMap<>(settings);
        env.put("PROVISIONER_HTTP_PORT", Integer.toString(port));
        env.put("PROVISIONER_HTTP_BIND", "127.0.0.1");
        env.putAll(PROCESS_ENVIRONMENT);
        Path log = logDir.resolve(schema + "-" + index + "-" + kind.replace(',', '+') + ".log");
        Child child = Child.start(
                schema + " #" + index + " (" + kind + ")",
                List.of(JVM_OPTIONS.split(" ")),
                provisionerJar,
                List.of("run", "--components", kind),
                env,
                log);
        return new ProcessInstance(child, kind, components, port);
    }

    private final class ProcessInstance implements Instance {
        private final Child child;
        private final String kind;
        private final Set<Components> components;
        private final int port;

        ProcessInstance(Child child, String kind, Set<Components> components, int port) {
            this.child = child;
            this.kind = kind;
            this.components = components;
            this.port = port;
        }

        @Override
        public String kind() {
            return kind;
        }

        @Override
        public Set<Components> components() {
            return components;
        }

        @Override
        public Optional<Long> rss() {
            return child.rss();
        }

        @Override
        public double awaitReady(Duration timeout) throws Exception {
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                if (!child.alive()) {
                    throw new IllegalStateException(
                            child.name() + " exited before /health answered 200\n" + child.tail(40));
                }
                try {
                    HttpResponse<Void> r = http.send(
                            HttpRequest.newBuilder(health)
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return (System.nanoTime() - child.spawnedAt) / 1e9;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(child.name() + ": /health did not answer 200 in "
                            + timeout.toSeconds() + " s\n" + child.tail(40));
                }
                Thread.sleep(50);
            }
        }

        @Override
        public String tail(int lines) {
            return child.tail(lines);
        }

        @Override
        public void beginClose() {
            child.terminate();
        }

        @Override
        public void close() {
            child.close();
        }
    }

    static Duration readyTimeout() {
        return READY_TIMEOUT;
    }

    /** An ops port for a new instance: free now, and not one this run handed out before. */
    private int freePort() throws IOException {
        return freePort(handedOut, ProcessDeployment::probePort);
    }

    /** Something that finds a port free. */
    interface PortProbe {
        int freePort() throws IOException;
    }

    /**
     * A port {@code probe} finds free that is not in {@code handedOut}, which it joins: a port found free
     * and closed again may be found free again while an earlier instance has yet to bind it.
     */
    static int freePort(Set<Integer> handedOut, PortProbe probe) throws IOException {
        synchronized (handedOut) {
            for (int attempt = 0; attempt < 100; attempt++) {
                int port = probe.freePort();
                if (handedOut.add(port)) {
                    return port;
                }
            }
        }
        throw new IOException("no free port found that this run has not handed out already");
    }

    private static int probePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
