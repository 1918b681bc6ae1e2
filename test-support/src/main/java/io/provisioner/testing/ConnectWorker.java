package io.provisioner.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * One Kafka Connect worker in distributed mode, a JVM of its own started from Maven Central's jars
 * ({@code org.apache.kafka.connect.cli.ConnectDistributed}): the class path is connect-runtime and its
 * dependencies as Maven resolved them for the test's module (its test class path without our modules), the
 * plugin path holds Debezium's PostgreSQL connector and {@code provisioner-connect/target/provisioner-connect-plugin/}.
 */
public final class ConnectWorker implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    public static final ObjectMapper JSON = new ObjectMapper();

    /** The connector configuration of {@code deploy/connect/}, from a module's directory (Failsafe's working one). */
    public static final Path DEPLOYED_CONNECTOR = Path.of("..", "deploy", "connect", "provisioner-cdc.json");

    /** The workers' class path and plugin path, shared by the workers of a test. */
    public record Setup(List<Path> classPath, Path pluginPath) {

        /**
         * Links the plugins into {@code dir/plugins}. The class path is the test's (Failsafe's
         * {@code surefire.test.class.path}) without our modules and without jackson-datatype-jsr310, which a
         * Connect worker does not ship: the transform can only come from its plugin folder.
         */
        public static Setup prepare(Path dir) throws IOException {
            String testClassPath = System.getProperty("surefire.test.class.path");
            Path provisionerPlugin = Path.of("..", "provisioner-connect", "target", "provisioner-connect-plugin");
            if (testClassPath == null) {
                throw new IllegalStateException("run the test by Failsafe, which names the test class path");
            }
            if (!Files.isDirectory(provisionerPlugin)) {
                throw new IllegalStateException(provisionerPlugin.toAbsolutePath()
                        + " is missing: provisioner-connect's package phase builds it (build with -am)");
            }
            Path plugins = Files.createDirectories(dir.resolve("plugins"));
            Path debezium = Files.createDirectories(plugins.resolve("debezium-connector-postgres"));
            // a module's working directory is in the repository: its modules are read from there
            Path repository = Path.of("..").toAbsolutePath().normalize();
            List<Path> classPath = new ArrayList<>();
            for (String entry : testClassPath.split(java.io.File.pathSeparator)) {
                Path jar = Path.of(entry);
                if (!entry.endsWith(".jar")
                        || jar.toAbsolutePath().normalize().startsWith(repository)
                        || entry.contains("/io/provisioner/")
                        || entry.contains("jackson-datatype-jsr310")) {
                    continue; // our modules (target/classes, target/test-classes, their jars) and jsr310
                }
                if (isDebeziumPluginJar(entry)) {
                    // as Debezium's plugin archive: the connector, its Debezium libraries, the JDBC driver
                    Files.createSymbolicLink(debezium.resolve(jar.getFileName()), jar.toAbsolutePath());
                } else {
                    classPath.add(jar);
                }
            }
            Files.createSymbolicLink(plugins.resolve("provisioner-connect"), provisionerPlugin.toAbsolutePath());
            return new Setup(classPath, plugins);
        }

        private static boolean isDebeziumPluginJar(String entry) {
            return entry.contains("/io/debezium/")
                    || entry.contains("/org/postgresql/")
                    || entry.contains("/com/google/protobuf/");
        }
    }

    public final String name;
    public final int port;
    private final Process process;
    public final Path log;

    private ConnectWorker(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts a worker of the group {@code groupId}; its REST API answers on {@link #url}. */
    public static ConnectWorker start(
            Setup setup, Path dir, String name, String bootstrapServers, String groupId, Map<String, String> env)
            throws IOException {
        int port = freePort();
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrapServers);
        p.setProperty("group.id", groupId);
        p.setProperty("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.setProperty("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        p.setProperty("config.storage.topic", groupId + ".configs");
        p.setProperty("offset.storage.topic", groupId + ".offsets");
        p.setProperty("status.storage.topic", groupId + ".status");
        // one broker: the internal topics cannot have the default replication factor of 3
        p.setProperty("config.storage.replication.factor", "1");
        p.setProperty("offset.storage.replication.factor", "1");
        p.setProperty("status.storage.replication.factor", "1");
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty("status.storage.partitions", "1");
        p.setProperty("offset.flush.interval.ms", "500");
        // a dead worker's task is given to another one at once, not after the default 5 minutes
        p.setProperty("scheduled.rebalance.max.delay.ms", "0");
        p.setProperty("session.timeout.ms", "6000");
        p.setProperty("heartbeat.interval.ms", "1000");
        p.setProperty("listeners", "http://127.0.0.1:" + port);
        p.setProperty("rest.advertised.host.name", "127.0.0.1");
        p.setProperty("rest.advertised.port", Integer.toString(port));
        p.setProperty("plugin.path", setup.pluginPath().toAbsolutePath().toString());
        // the plugins' ServiceLoader manifests only: scanning every class of the plugins and of the class path
        // (the default, hybrid_warn) takes minutes on a busy machine
        p.setProperty("plugin.discovery", "service_load");
        p.setProperty("config.providers", "env");
        p.setProperty("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        Path props = dir.resolve(name + ".properties");
        try (var out = Files.newBufferedWriter(props)) {
            p.store(out, "Kafka Connect worker " + name);
        }
        Path logback = dir.resolve("logback-worker.xml");
        if (!Files.exists(logback)) {
            Files.writeString(
                    logback,
                    "<configuration><appender name=\"out\" class=\"ch.qos.logback.core.ConsoleAppender\">"
                            + "<encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern>"
                            + "</encoder></appender><root level=\"INFO\"><appender-ref ref=\"out\"/></root>"
                            + "<logger name=\"org.apache.kafka.clients\" level=\"WARN\"/></configuration>");
        }
        Path log = dir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + logback.toAbsolutePath(),
                "-cp",
                String.join(
                        java.io.File.pathSeparator,
                        setup.classPath().stream().map(Path::toString).toList()),
                "org.apache.kafka.connect.cli.ConnectDistributed",
                props.toAbsolutePath().toString()));
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process process = pb.start();
        // a worker never outlives the test JVM, however it ends
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return new ConnectWorker(name, port, process, log);
    }

    /** {@code 127.0.0.1:<port>}, as Connect names the worker in a task's status. */
    public String id() {
        return "127.0.0.1:" + port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The REST API answers (the worker has joined its group's storage and started its server). */
    public boolean isUp() {
        try {
            return get("/").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET());
    }

    public HttpResponse<String> put(String path, String json) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url() + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** The connector's status, or null while it has none. */
    public JsonNode status(String connector) throws IOException {
        HttpResponse<String> r = get("/connectors/" + connector + "/status");
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The live worker that runs task 0 of {@code connector}, as the workers report it; empty while none does. */
    public static Optional<ConnectWorker> runningTask(List<ConnectWorker> workers, String connector)
            throws IOException {
        for (ConnectWorker w : workers) {
            JsonNode status = w.isAlive() ? w.status(connector) : null;
            JsonNode task = status == null ? null : status.path("tasks").path(0);
            if (task != null && "RUNNING".equals(task.path("state").asText())) {
                String id = task.path("worker_id").asText();
                return workers.stream()
                        .filter(x -> x.id().equals(id) && x.isAlive())
                        .findFirst();
            }
        }
        return Optional.empty();
    }

    /**
     * The environment that deploy/connect/provisioner-cdc.json reads the database from ({@code PGHOST},
     * {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER}, {@code PGPASSWORD}) for the test's Postgres.
     */
    public static Map<String, String> databaseEnvironment(Infra infra) {
        URI uri = URI.create(infra.jdbcUrl().substring("jdbc:".length()));
        return Map.of(
                "PGHOST", uri.getHost(),
                "PGPORT", Integer.toString(uri.getPort()),
                "PGDATABASE", uri.getPath().substring(1),
                "PGUSER", infra.dbUser(),
                "PGPASSWORD", infra.dbPassword());
    }

    /** SIGKILL: the worker ends at once, without leaving its group or committing anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
