package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An owner whose id is longer than a key name allows: dead-lettered once with its reason, never swept again. */
@ExtendWith(SharedInfra.class)
class LongOwnerIdIT {

    @Test
    void anOverLongIdIsDeadLetteredOnceAndNotRepublishedBySweeps(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.exec("drop table " + f.schema + ".teachers");
            f.exec("create table " + f.schema + ".teachers (id text primary key, name text)");
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "3s"); // longer than the pipeline takes for a new row
            f.start();
            String longId = "x".repeat(300);
            f.exec("insert into " + f.schema + ".teachers values ('short', 's')");
            await().atMost(Duration.ofMinutes(1)).until(() -> f.activeKeys() == 1); // the pipeline is warm

            f.exec("insert into " + f.schema + ".teachers values ('" + longId + "', 'long')");
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> !forLong(f.deadLetters(), longId).isEmpty());
            // three sweeps, each of which used to request the owner again
            await().during(Duration.ofSeconds(10))
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> forLong(TopicDump.readAll(infra, f.schema + ".requests", "read_committed"), longId)
                                    .size()
                            == 1);
            await().atMost(Duration.ofMinutes(1)).until(() -> f.streamLag() == 0);
            List<ConsumerRecord<byte[], byte[]>> dead = forLong(f.deadLetters(), longId);
            assertThat(dead).as("dead letters for the long id").hasSize(1);
            assertThat(new String(
                            dead.get(0)
                                    .headers()
                                    .lastHeader("provisioning-error-message")
                                    .value(),
                            StandardCharsets.UTF_8))
                    .contains("owner_id has 300 characters, at most 256");
            assertThat(f.job("teacher:" + longId)).hasValueSatisfying(job -> {
                assertThat(job.status()).isEqualTo("dead");
                assertThat(job.lastError()).contains("300 characters");
            });
            assertThat(f.simulator.count("POST", "/api/v1/keys")).as("creates").isEqualTo(1);
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> forLong(
            List<ConsumerRecord<byte[], byte[]>> records, String id) {
        return records.stream()
                .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).contains(id))
                .toList();
    }
}
