package io.provisioner.testing;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** Kafka and PostgreSQL in containers, for machines with a Docker engine. */
final class DockerInfra implements Infra, AutoCloseable {

    private final KafkaContainer kafka;
    private final PostgreSQLContainer<?> postgres;

    private DockerInfra(KafkaContainer kafka, PostgreSQLContainer<?> postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    static boolean dockerAvailable() {
        if ("false".equalsIgnoreCase(System.getenv("PROVISIONER_IT_DOCKER"))) {
            return false;
        }
        boolean configured = System.getenv("DOCKER_HOST") != null
                || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"));
        if (!configured) {
            return false; // asking Testcontainers would only log an ERROR
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    static DockerInfra start() {
        KafkaContainer k = new KafkaContainer(DockerImageName.parse(TestImages.KAFKA));
        PostgreSQLContainer<?> pg = new PostgreSQLContainer<>(DockerImageName.parse(TestImages.POSTGRES))
                .withCommand(
                        "postgres",
                        "-c",
                        "wal_level=logical",
                        "-c",
                        "max_replication_slots=40",
                        "-c",
                        "max_wal_senders=40",
                        "-c",
                        "max_connections=300");
        k.start();
        pg.start();
        return new DockerInfra(k, pg);
    }

    @Override
    public String bootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public String jdbcUrl() {
        return postgres.getJdbcUrl();
    }

    @Override
    public String dbUser() {
        return postgres.getUsername();
    }

    @Override
    public String dbPassword() {
        return postgres.getPassword();
    }

    @Override
    public String kind() {
        return "testcontainers";
    }

    @Override
    public void close() {
        kafka.stop();
        postgres.stop();
    }
}
