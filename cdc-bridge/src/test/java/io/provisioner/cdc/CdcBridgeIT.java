package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.cdc.CdcFixture.Published;
import io.provisioner.core.events.ProvisionRequest.Op;
import io.provisioner.core.time.Ticker;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedInfra.class)
class CdcBridgeIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private CdcFixture fx;

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        fx = new CdcFixture(infra);
    }

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
    }

    @Test
    void publishesInsertsUpdatesAndDeletesOfBothTables() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcBridge bridge = fx.start("no_data", registry);
        fx.awaitStreaming();
        long before = fx.currentLsn();

        UUID org = fx.insertOrganization("O'Brien \"Quoted\"; DROP TABLE x; --");
        UUID longName = fx.insertOrganization("x".repeat(10_000));
        UUID teacher = fx.insertTeacher("Zoë 😀🎉", org);
        fx.update("UPDATE " + fx.schema + ".organizations SET name = ? WHERE id = ?", "Renamed 😀", org);
        fx.update("DELETE FROM " + fx.schema + ".teachers WHERE id = ?", teacher);
        long after = fx.currentLsn();

        String orgKey = "organization:" + org;
        String teacherKey = "teacher:" + teacher;
        await().atMost(WAIT).untilAsserted(() -> assertThat(fx.published()).hasSize(5));
        assertThat(fx.published())
                .extracting(p -> p.key() + " " + p.request().op() + " "
                        + p.request().source().table())
                .containsExactly(
                        orgKey + " UPSERT " + fx.schema + ".organizations",
                        "organization:" + longName + " UPSERT " + fx.schema + ".organizations",
                        teacherKey + " UPSERT " + fx.schema + ".teachers",
                        orgKey + " UPSERT " + fx.schema + ".organizations",
                        teacherKey + " DELETE " + fx.schema + ".teachers");
        assertThat(fx.published()).allSatisfy(p -> {
            assertThat(p.request().owner().key()).isEqualTo(p.key());
            assertThat(p.request().source().lsn()).isBetween(before, after);
            assertThat(p.request().source().tsMs()).isPositive();
            assertThat(p.request().requestedAt()).isNotNull();
        });
        assertThat(fx.published()).extracting(p -> p.request().source().lsn()).isSorted();
        assertThat(bridge.isActive()).isTrue();
        assertThat(bridge.isHealthy()).isTrue();
        assertThat(registry.get("provisioner_cdc_records")
                        .tags("table", fx.schema + ".teachers", "op", "delete")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("provisioner_cdc_active").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void initialSnapshotPublishesRowsThatExistedBeforeTheFirstStart() throws Exception {
        UUID existingOrg = fx.insertOrganization("existing");
        UUID existingTeacher = fx.insertTeacher("existing", existingOrg);

        fx.start("initial");

        await().atMost(WAIT).untilAsserted(() -> assertThat(fx.published())
                .extracting(p -> p.key() + " " + p.request().op())
                .containsExactlyInAnyOrder(
                        "organization:" + existingOrg + " UPSERT", "teacher:" + existingTeacher + " UPSERT"));
    }

    @Test
    void noDataSnapshotPublishesOnlyNewRows() throws Exception {
        UUID existing = fx.insertOrganization("existing");
        fx.start("no_data");
        fx.awaitStreaming();

        UUID created = fx.insertOrganization("created");

        await().atMost(WAIT).untilAsserted(() -> assertThat(fx.publishedFor("organization:" + created))
                .hasSize(1));
        // the stream is ordered: had the existing row been published, it would have come first
        assertThat(fx.published()).extracting(Published::key).doesNotContain("organization:" + existing);
    }

    @Test
    void restartPublishesWhatWasCommittedWhileDownAndNothingAcknowledgedTwice() throws Exception {
        CdcBridge first = fx.start("no_data");
        fx.awaitStreaming();
        UUID beforeStop = fx.insertOrganization("before stop");
        await().atMost(WAIT)
                .until(() -> fx.publishedFor("organization:" + beforeStop).size() == 1);
        first.close();
        assertThat(first.isActive()).isFalse();

        UUID whileDown = fx.insertOrganization("while down");
        CdcBridge second = fx.start("no_data");
        await().atMost(WAIT)
                .until(() -> fx.publishedFor("organization:" + whileDown).size() == 1);
        UUID afterRestart = fx.insertOrganization("after restart");
        await().atMost(WAIT)
                .until(() -> fx.publishedFor("organization:" + afterRestart).size() == 1);

        assertThat(second.isActive()).isTrue();
        List<String> keys = fx.published().stream().map(Published::key).toList();
        assertThat(keys)
                .containsExactly(
                        "organization:" + beforeStop, "organization:" + whileDown, "organization:" + afterRestart);
        assertThat(fx.published()).extracting(p -> p.request().op()).containsOnly(Op.UPSERT);
    }

    @Test
    void restartsTheEngineAndPublishesTheChangeWhenKafkaDidNotAcknowledgeIt() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcBridge bridge = new CdcBridge(
                fx.config("no_data"),
                Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000),
                registry,
                CdcFixture.FAST,
                Clock.systemUTC(),
                Ticker.system());
        fx.manage(bridge).start();
        fx.awaitStreaming();
        String requests = fx.prefix + ".requests";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", fx.infra.bootstrapServers()))) {
            admin.deleteTopics(List.of(requests)).all().get();

            UUID org = fx.insertOrganization("sent while the topic is gone");
            await().atMost(WAIT)
                    .until(() -> registry.find("provisioner_cdc_engine_restarts").counters().stream()
                                    .mapToDouble(c -> c.count())
                                    .sum()
                            >= 1);
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> admin.createTopics(
                            List.of(new NewTopic(requests, 1, (short) 1)))
                    .all()
                    .get());

            await().atMost(WAIT)
                    .until(() -> !fx.publishedFor("organization:" + org).isEmpty());
            assertThat(bridge.isActive()).isTrue();
        }
    }
}
