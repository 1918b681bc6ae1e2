package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provisioner.runtime.Components;
import io.provisioner.testing.ConnectWorker;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/kafka-connect.md's switch, on a running pipeline: the embedded CDC stops, rows change, Debezium on a
 * 2-worker Kafka Connect cluster takes over the same slot and publication (deploy/connect/provisioner-cdc.json,
 * snapshot {@code initial}), the worker running its task is killed; every owner gets exactly one key.
 */
@ExtendWith(SharedInfra.class)
class ConnectSwitchIT {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String CONNECTOR = "provisioner-cdc";

    @Test
    void switchingFromTheEmbeddedEngineToConnectGivesEveryOwnerOneKey(Infra infra) throws Exception {
        List<ConnectWorker> workers = new ArrayList<>();
        try (PipelineFixture f = new PipelineFixture(infra)) {
            try {
                // given a pipeline that captures with the embedded engine
                f.start();
                List<String> owners = new ArrayList<>(f.insertOwners(10));
                await().atMost(WAIT).until(() -> f.activeKeys() == owners.size());

                // when its cdc component stops and rows change before the connector exists
                f.stop();
                await().atMost(WAIT).until(() -> !slotActive(f));
                f.start(EnumSet.of(Components.PROVISIONER, Components.RETRY));
                owners.addAll(f.insertOwners(10));

                // and the connector takes over the slot and publication, on two workers
                Path dir = Files.createDirectories(Path.of("target", "connect-it", f.schema));
                ConnectWorker.Setup setup = ConnectWorker.Setup.prepare(dir);
                for (String name : List.of("worker-1", "worker-2")) {
                    workers.add(ConnectWorker.start(
                            setup,
                            dir,
                            name,
                            infra.bootstrapServers(),
                            f.schema + ".connect",
                            ConnectWorker.databaseEnvironment(infra)));
                }
                await().atMost(WAIT).until(() -> workers.stream().allMatch(ConnectWorker::isUp));
                assertThat(workers.get(0)
                                .put("/connectors/" + CONNECTOR + "/config", connectorConfig(f))
                                .statusCode())
                        .isEqualTo(201);
                owners.addAll(f.insertOwners(10));
                await().atMost(WAIT).until(() -> f.activeKeys() == owners.size());

                // and the worker running its task is killed while rows change
                await().atMost(WAIT).until(() -> ConnectWorker.runningTask(workers, CONNECTOR)
                        .isPresent());
                ConnectWorker running =
                        ConnectWorker.runningTask(workers, CONNECTOR).orElseThrow();
                running.kill();
                owners.addAll(f.insertOwners(10));
                ConnectWorker survivor =
                        workers.stream().filter(w -> w != running).findFirst().orElseThrow();
                await().atMost(WAIT).until(() -> ConnectWorker.runningTask(workers, CONNECTOR)
                        .equals(Optional.of(survivor)));

                // then every owner has its key, created once
                await().atMost(WAIT).until(() -> f.activeKeys() == owners.size());
                for (String owner : owners) {
                    assertThat(f.createsNamed(owner))
                            .as("POST /keys for %s", owner)
                            .hasSize(1);
                    assertThat(f.simulator.liveKeysNamed(owner))
                            .as("live keys of %s", owner)
                            .hasSize(1);
                }
            } finally {
                for (ConnectWorker w : workers) {
                    w.close();
                }
                await().atMost(WAIT).until(() -> !slotActive(f));
            }
        }
    }

    /** The deployed configuration on this pipeline's tables, slot, publication and topics. */
    private static String connectorConfig(PipelineFixture f) throws Exception {
        ObjectNode config = (ObjectNode) ConnectWorker.JSON
                .readTree(Files.readString(ConnectWorker.DEPLOYED_CONNECTOR))
                .path("config");
        config.put("database.sslmode", "disable");
        config.put("slot.name", f.config().cdc().slotName());
        config.put("publication.name", f.config().cdc().publication());
        config.put("table.include.list", f.schema + "\\.organizations," + f.schema + "\\.teachers");
        config.put("transforms.provisioning.tables", f.schema + ".organizations," + f.schema + ".teachers");
        config.put("transforms.provisioning.topic.prefix", f.config().topics().prefix());
        return ConnectWorker.JSON.writeValueAsString(config);
    }

    private static boolean slotActive(PipelineFixture f) throws SQLException {
        return f.count("select count(*) from pg_replication_slots where active and slot_name = '"
                        + f.config().cdc().slotName() + "'")
                > 0;
    }
}
