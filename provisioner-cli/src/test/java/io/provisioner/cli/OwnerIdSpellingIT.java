package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One owner, one key, whatever spelling of its id a request uses (a user's own producer): the job, the key
 * row and the key name use the database's {@code id::text}. (A {@code char(n)} id, which Debezium spells
 * padded, stops start-up: {@link CapturedTablesIT}.)
 */
@ExtendWith(SharedInfra.class)
class OwnerIdSpellingIT {

    private static final Duration WAIT = Duration.ofMinutes(1);

    @Test
    void upperCaseUuidFindsTheOwnerAndGetsNoSecondKey(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.start();
            String owner = f.insertTeacher();
            await().atMost(WAIT).until(() -> f.activeKeys() == 1);

            request(f, new OwnerRef("teacher", owner.substring(8).toUpperCase(Locale.ROOT)));

            awaitProcessed(f);
            assertThat(f.simulator.liveKeys()).extracting(SimKey::name).containsExactly(owner);
            assertThat(f.count("select count(*) from " + f.schema + ".ai_key_provision_jobs"))
                    .isEqualTo(1);
            assertThat(f.activeKeys()).isEqualTo(1);
        }
    }

    @Test
    void bigintWithLeadingZeroHasOneKeyUnderTheCanonicalName(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            try (Connection c = infra.connect();
                    Statement s = c.createStatement()) {
                s.execute("drop table " + f.schema + ".organizations, " + f.schema + ".teachers");
                s.execute("create table " + f.schema + ".organizations (id varchar(8) primary key, name text)");
                s.execute("create table " + f.schema + ".teachers (id bigint primary key, name text)");
            }
            f.env.put("PROVISIONER_SWEEP_INTERVAL", "1s");
            f.start();
            f.count("with i as (insert into " + f.schema + ".organizations values ('ab', 'a short id')"
                    + " returning 1) select count(*) from i");
            f.count("with i as (insert into " + f.schema + ".teachers values (7, 'seven') returning 1)"
                    + " select count(*) from i");
            await().atMost(WAIT).until(() -> f.activeKeys() == 2);

            request(f, new OwnerRef("teacher", "007"));
            request(f, new OwnerRef("teacher", "abc")); // not a bigint: an owner that does not exist

            awaitProcessed(f);
            Thread.sleep(3_000); // three sweeps: none may find an owner out of step
            awaitProcessed(f);
            assertThat(f.simulator.liveKeys())
                    .extracting(SimKey::name)
                    .containsExactlyInAnyOrder("organization:ab", "teacher:7");
            assertThat(f.simulator.deletedKeys()).isEmpty();
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys"))
                    .isEqualTo(2);
            assertThat(f.count("select count(*) from " + f.schema
                            + ".ai_key_provision_jobs where owner_id in ('7', 'ab')" + " and status = 'succeeded'"))
                    .isEqualTo(2);
            assertThat(f.count("select count(*) from " + f.schema + ".ai_key_provision_jobs"))
                    .isEqualTo(2);
            assertThat(f.deadLettersOnceCommitted()).isEmpty();
        }
    }

    /** A request from a user's own producer, spelled as given. */
    private static void request(PipelineFixture f, OwnerRef owner) throws Exception {
        Instant now = Instant.now();
        ProvisionRequest r = ProvisionRequest.of(
                owner,
                ProvisionRequest.Op.UPSERT,
                new ProvisionRequest.Source("own-producer", null, now.toEpochMilli()),
                now);
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(
                Map.of("bootstrap.servers", f.infra.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(f.schema + ".requests", owner.key(), RequestCodec.encode(r)))
                    .get();
        }
    }

    private static void awaitProcessed(PipelineFixture f) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> f.streamLag() == 0);
    }
}
