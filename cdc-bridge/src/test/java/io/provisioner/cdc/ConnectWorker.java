package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Properties;

/**
 * One Kafka Connect worker in distributed mode, a JVM of its own started from Maven Central's jars
 * ({@code org.apache.kafka.connect.cli.ConnectDistributed}): the class path is connect-runtime and its
 * dependencies as Maven resolved them for this module (without our modules), the plugin path holds
 * Debezium's PostgreSQL connector and {@code provisioner-connect/target/provisioner-connect-plugin/}.
 */
final class ConnectWorker implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    /** Where the build put the worker's class path and the provisioner's plugin folder (see the POM). */
    record Setup(List<Path> classPath, Path pluginPath) {

        static Setup prepare(Path dir) throws IOException {
            Path classPathFile =
                    Path.of(System.getProperty("connect.worker.classpath", "target/connect-worker.classpath"));
            Path provisionerPlugin = Path.of(System.getProperty(
                    "connect.plugin.dir", "../provisioner-connect/target/provisioner-connect-plugin"));
            assertThat(classPathFile)
                    .as("the build writes the worker's class path: run the Maven build, not the test alone")
                    .isRegularFile();
            assertThat(provisionerPlugin.resolve("provisioner-core-0.1.0-SNAPSHOT.jar"))
                    .as("the plugin folder is built by provisioner-connect's package phase: build with -am")
                    .isRegularFile();
            Path plugins = Files.createDirectories(dir.resolve("plugins"));
            Path debezium = Files.createDirectories(plugins.resolve("debezium-connector-postgres"));
            List<Path> classPath = new ArrayList<>();
            for (String entry : Files.readString(classPathFile).trim().split(java.io.File.pathSeparator)) {
                Path jar = Path.of(entry);
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

    final String name;
    final int port;
    private final Process process;
    final Path log;

    private ConnectWorker(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /** Starts a worker of the group {@code groupId}; its REST API answers on {@link #url}. */
    static ConnectWorker start(
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
    String id() {
        return "127.0.0.1:" + port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The REST API answers (the worker has joined its group's storage and started its server). */
    boolean isUp() {
        try {
            return get("/").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    HttpResponse<String> get(String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url() + path)).GET());
    }

    HttpResponse<String> put(String path, String json) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url() + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** The connector's status, or null while it has none. */
    JsonNode status(String connector) throws IOException {
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

    /** SIGKILL: the worker ends at once, without leaving its group or committing anything. */
    void kill() throws InterruptedException {
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
