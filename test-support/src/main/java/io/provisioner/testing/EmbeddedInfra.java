package io.provisioner.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** An embedded PostgreSQL (logical replication on) and a one-node KRaft cluster in this JVM. */
final class EmbeddedInfra implements Infra, AutoCloseable {

    private final EmbeddedPostgres postgres;
    private final KafkaClusterTestKit kafka;

    private EmbeddedInfra(EmbeddedPostgres postgres, KafkaClusterTestKit kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    static EmbeddedInfra start() {
        try {
            EmbeddedPostgres pg = startPostgres();
            KafkaClusterTestKit k = startKafka();
            return new EmbeddedInfra(pg, k);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the embedded test servers", e);
        }
    }

    /** An embedded PostgreSQL 17 ready for logical replication. Also used by the demo. */
    static EmbeddedPostgres startPostgres() throws IOException {
        return EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "40")
                .setServerConfig("max_wal_senders", "40")
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .start();
    }

    static KafkaClusterTestKit startKafka() throws Exception {
        Path dir = Files.createTempDirectory("kafka-it");
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dir)
                .build();
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "false")
                .setConfigProp("num.partitions", "1")
                .setDeleteOnClose(true)
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return cluster;
    }

    @Override
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    public String dbUser() {
        return "postgres";
    }

    @Override
    public String dbPassword() {
        return "postgres";
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public void close() throws Exception {
        try {
            kafka.close();
        } finally {
            postgres.close();
        }
    }
}
