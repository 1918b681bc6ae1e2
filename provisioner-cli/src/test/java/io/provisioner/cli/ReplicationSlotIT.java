package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.runtime.Components;
import io.provisioner.runtime.Pipeline;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The replication slot, watched on a real Postgres: its gauges, a slot dropped mid-stream (re-snapshot,
 * one key each), a dropped slot nobody recreates reported by {@code /health} and {@code status}, and the
 * pipeline run as {@code --components provisioner,retry,sweep} with CDC on Kafka Connect, whose REST API a
 * small HTTP server on a socket stands in for.
 */
@ExtendWith(SharedInfra.class)
class ReplicationSlotIT {

    @Test
    void slotDroppedMidStreamIsSnapshottedAgainAndEveryOwnerEndsWithOneKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.watchEvery = Duration.ofMillis(500);
            MeterRegistry registry = new SimpleMeterRegistry();
            f.start(EnumSet.allOf(Components.class), registry);
            List<String> owners = new ArrayList<>(f.insertOwners(10));
            await().atMost(Duration.ofMinutes(2)).until(() -> f.activeKeys() == 10);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(gauge(registry, "provisioner.replication.slot.wal.status", f.schema, "reserved"))
                        .isEqualTo(1.0);
                assertThat(gauge(registry, "provisioner.replication.slot.active", f.schema, null))
                        .isEqualTo(1.0);
                assertThat(gauge(registry, "provisioner.replication.slot.retained.bytes", f.schema, null))
                        .isGreaterThanOrEqualTo(0.0);
                assertThat(f.health().get("slot").up()).isTrue();
            });

            // terminate the walsender and drop the slot; the rows written right after exist in no slot
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                f.exec("select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = '"
                        + f.schema + "' and active_pid is not null; select pg_drop_replication_slot('" + f.schema
                        + "')");
                return true;
            });
            owners.addAll(f.insertOwners(10));

            // no sweep is due (10 min): only the new snapshot brings the rows written without a slot
            await().atMost(Duration.ofMinutes(3)).until(() -> f.activeKeys() == 20);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(f.health().get("slot").up()).isTrue());
            f.insertOwners(1);
            await().atMost(Duration.ofMinutes(1)).until(() -> f.activeKeys() == 21);
            assertThat(creates(f)).as("one POST /keys per owner").isEqualTo(21);
            assertThat(f.simulator.liveKeys()).hasSize(21);
        }
    }

    @Test
    void withCdcOnConnectTheSweepProvisionsAndADroppedSlotOrFailedTaskIsReported(Infra infra) throws Exception {
        AtomicReference<String> connectorStatus = new AtomicReference<>(status("RUNNING", "RUNNING", null));
        HttpServer connect = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> paths = new java.util.concurrent.CopyOnWriteArrayList<>();
        connect.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            boolean known = exchange.getRequestURI().getPath().equals("/connectors/provisioner-cdc/status");
            byte[] body = (known ? connectorStatus.get() : "{\"error_code\":404}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(known ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        connect.start();
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put(
                    "CDC_CONNECT_URL",
                    "http://127.0.0.1:" + connect.getAddress().getPort());
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.watchEvery = Duration.ofMillis(500);
            assertThat(f.cli("migrate").exit()).isZero();
            f.exec("select pg_create_logical_replication_slot('" + f.schema + "', 'pgoutput')");
            MeterRegistry registry = new SimpleMeterRegistry();
            Pipeline pipeline =
                    f.start(EnumSet.of(Components.PROVISIONER, Components.RETRY, Components.SWEEP), registry);

            List<String> owners = f.insertOwners(5);
            await().atMost(Duration.ofMinutes(2)).until(() -> f.activeKeys() == 5);
            assertThat(f.job(owners.get(0)).orElseThrow().status()).isEqualTo("succeeded");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(pipeline.health().get("connect").up()).isTrue();
                assertThat(pipeline.health().get("slot").up()).isTrue();
                assertThat(gauge(registry, "provisioner.replication.slot.active", f.schema, null))
                        .isEqualTo(0.0);
                assertThat(gauge(registry, "provisioner.connect.connector.state", "provisioner-cdc", "RUNNING"))
                        .isEqualTo(1.0);
            });

            connectorStatus.set(status("RUNNING", "FAILED", "org.postgresql.util.PSQLException: slot gone\\n\\tat x"));
            f.exec("select pg_drop_replication_slot('" + f.schema + "')");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Pipeline.Health slot = pipeline.health().get("slot");
                assertThat(slot.up()).isFalse();
                assertThat(slot.detail()).contains("was dropped", "To recover", "reconcile --fix");
                Pipeline.Health task = pipeline.health().get("connect");
                assertThat(task.up()).isFalse();
                assertThat(task.detail()).contains("task 0 FAILED", "PSQLException: slot gone");
                assertThat(gauge(registry, "provisioner.replication.slot.wal.status", f.schema, "missing"))
                        .isEqualTo(1.0);
                assertThat(gauge(registry, "provisioner.connect.tasks", "provisioner-cdc", "FAILED"))
                        .isEqualTo(1.0);
            });
            PipelineFixture.CliRun status = f.cli("status");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out())
                    .contains("replication slot " + f.schema + ": MISSING")
                    .contains("Kafka Connect: connector provisioner-cdc RUNNING")
                    .contains("task 0 FAILED");
            assertThat(paths).allMatch(p -> p.equals("/connectors/provisioner-cdc/status"));
        } finally {
            connect.stop(0);
        }
    }

    /** PostgreSQL invalidates a slot nobody reads once it holds more than max_slot_wal_keep_size. */
    @Test
    void aSlotPostgresInvalidatedIsReportedLostWithTheRecoverySteps(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("CDC_CONNECT_URL", "http://127.0.0.1:1"); // nothing streams: the connector is unreachable
            f.watchEvery = Duration.ofMillis(500);
            assertThat(f.cli("migrate").exit()).isZero();
            f.exec("select pg_create_logical_replication_slot('" + f.schema + "', 'pgoutput')");
            Pipeline pipeline = f.start(EnumSet.of(Components.SWEEP));
            try {
                f.exec("alter system set max_slot_wal_keep_size = '1MB'; select pg_reload_conf()");
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    f.exec("create table if not exists " + f.schema + ".filler(pad text);"
                            + " insert into " + f.schema + ".filler select repeat('x', 1000)"
                            + " from generate_series(1, 2000); select pg_switch_wal(); checkpoint");
                    return f.count("select count(*) from pg_replication_slots where slot_name = '" + f.schema
                                    + "' and wal_status = 'lost'")
                            == 1;
                });
            } finally {
                f.exec("alter system reset max_slot_wal_keep_size; select pg_reload_conf()");
            }

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Pipeline.Health slot = pipeline.health().get("slot");
                assertThat(slot.up()).isFalse();
                assertThat(slot.detail()).contains("is lost", "pg_drop_replication_slot('" + f.schema + "')");
            });
            PipelineFixture.CliRun status = f.cli("status", "--json");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).contains("\"status\":\"lost\"");
            assertThat(f.cli("status").out()).contains("replication slot " + f.schema + ": LOST");
        }
    }

    @Test
    void cdcWithConnectUrlIsRefusedNamingTheSetting(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("CDC_CONNECT_URL", "http://127.0.0.1:1");
            f.env.put("PROVISIONER_HTTP_PORT", "0");
            PipelineFixture.CliRun run = f.cli("run", "--components", "cdc");
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).contains("CDC_CONNECT_URL");
        }
    }

    private static String status(String connector, String task, String trace) {
        return "{\"name\":\"provisioner-cdc\",\"connector\":{\"state\":\"" + connector
                + "\",\"worker_id\":\"w1:8083\"},\"tasks\":[{\"id\":0,\"state\":\"" + task
                + "\",\"worker_id\":\"w2:8083\"" + (trace == null ? "" : ",\"trace\":\"" + trace + "\"")
                + "}],\"type\":\"source\"}";
    }

    private static long creates(PipelineFixture f) {
        return f.simulator.requests().stream()
                .filter(r -> r.method().equals("POST") && r.path().endsWith("/keys"))
                .map(SimRequest::body)
                .count();
    }

    private static double gauge(MeterRegistry registry, String name, String tagValue, String status) {
        var search = registry.find(name);
        search = name.contains("connect") ? search.tag("connector", tagValue) : search.tag("slot", tagValue);
        if (status != null) {
            search = search.tag(name.contains("connect") ? "state" : "status", status);
        }
        return search.gauge().value();
    }
}
