package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.db.Database;
import io.provisioner.db.IntentFence;
import io.provisioner.db.Migrator;
import io.provisioner.db.ProvisioningQueries;
import io.provisioner.db.SweepPasses;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.runtime.Pipeline;
import io.provisioner.runtime.sweep.OrphanSweep;
import io.provisioner.runtime.sweep.RequestPublisher;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The orphan sweep's passes with the real client over a socket to the simulator and the pass record in
 * the real Postgres, a new {@link OrphanSweep} for every pass (as after a restart, or on another
 * instance): what they cost in an account of 100,000 keys (printed with the wall time at the sweep's
 * share of the default rate; the calls, which are deterministic, asserted), and what only the daily full
 * pass finds.
 */
@ExtendWith(SharedInfra.class)
class OrphanSweepIT {

    private static final int ACCOUNT = 100_000;
    /** {@code OR_DELAY_MS} 1100 by default, of which the sweep takes {@link Pipeline#SWEEP_SHARE}. */
    private static final double DEFAULT_SWEEP_RATE = 1000d / 1100 * Pipeline.SWEEP_SHARE;

    @Test
    void incrementalPassCostsAPagePerNinetyNewKeysAndTheDailyFullPassTheWholeAccount(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra);
                HikariDataSource ds = Database.open(f.config().requireDatabase(), "sweep-cost", 2);
                OpenRouterClient api = OpenRouterClient.create(f.config().openRouter(), Clock.systemUTC());
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        KafkaClientSettings.of(f.config()).idempotentProducer().build(),
                        new StringSerializer(),
                        new ByteArraySerializer())) {
            Migrator.migrate(ds, f.schema);
            f.simulator.seedKeys(ACCOUNT, "elsewhere-", Instant.now().minus(Duration.ofDays(2)));
            Sweeps sweeps = new Sweeps(f, ds, api, producer);

            int full = sweeps.calls(() -> assertThat(sweeps.next().fullIfDue()).isPresent());
            int fullAgain =
                    sweeps.calls(() -> assertThat(sweeps.next().fullIfDue()).isEmpty());
            int none = sweeps.calls(() -> sweeps.next().incremental());
            addKeys(f, 10);
            int ten = sweeps.calls(() -> sweeps.next().incremental());
            addKeys(f, 500);
            int fiveHundred = sweeps.calls(() -> sweeps.next().incremental());

            report("full pass, " + ACCOUNT + " keys", full);
            report("full pass again the same day (not due)", fullAgain);
            report("incremental pass, 0 keys created since the last", none);
            report("incremental pass, 10 keys created since the last", ten);
            report("incremental pass, 500 keys created since the last (and the 10 within its margin)", fiveHundred);
            // newest first in pages of 100 that overlap by 10: the last page holds fewer than 100
            assertThat(full).isEqualTo((ACCOUNT - 100) / 90 + 2);
            assertThat(fullAgain).isZero();
            assertThat(none).isEqualTo(1);
            assertThat(ten).isEqualTo(1);
            // 510 keys newer than the window's start: pages at offsets 0, 90, ..., 450
            assertThat(fiveHundred).isEqualTo(6);
        }
    }

    @Test
    void onlyTheFullPassFindsAnOldStoredKeyOpenRouterLostAndAnOldOrphan(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra);
                HikariDataSource ds = Database.open(f.config().requireDatabase(), "sweep-old", 2);
                OpenRouterClient api = OpenRouterClient.create(f.config().openRouter(), Clock.systemUTC());
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                        KafkaClientSettings.of(f.config()).idempotentProducer().build(),
                        new StringSerializer(),
                        new ByteArraySerializer())) {
            Migrator.migrate(ds, f.schema);
            TopicCreator.ensure(
                    KafkaClientSettings.of(f.config()).admin().build(),
                    f.config().topics(),
                    1);
            Instant twoDaysAgo = Instant.now().minus(Duration.ofDays(2));
            f.simulator.seedKeys(1, "teacher:old-orphan-", twoDaysAgo);
            f.simulator.seedKeys(300, "elsewhere-", twoDaysAgo);
            String lost = "0123456789abcdef"; // revoked on OpenRouter by someone else, two days after its creation
            try (Connection c = infra.connect();
                    Statement s = c.createStatement()) {
                s.execute("insert into " + f.schema + ".ai_provider_keys (provider, owner_type, owner_id, key_hash,"
                        + " key_name, key_label, encrypted_key, key_limit, limit_reset, created_at) values"
                        + " ('openrouter', 'teacher', 'lost', '" + lost + "', 'teacher:lost', 'sk-or-v1-0...0',"
                        + " 'v1:AAAA', 50, 'daily', now() - interval '2 days')");
            }
            Sweeps sweeps = new Sweeps(f, ds, api, producer);
            sweeps.recordFullPass(twoDaysAgo.plus(Duration.ofHours(1))); // the last full pass is a day old

            OrphanSweep.Pass incremental = sweeps.next().incremental();

            assertThat(incremental.fixed().lostRevoked()).isZero();
            assertThat(incremental.fixed().orphansDeleted()).isZero();
            assertThat(f.simulator.liveKeysNamed("teacher:old-orphan-0")).hasSize(1);

            OrphanSweep.Pass full = sweeps.next().fullIfDue().orElseThrow();

            assertThat(full.fixed().lostRevoked()).isEqualTo(1);
            assertThat(full.fixed().orphansDeleted()).isEqualTo(1);
            assertThat(f.simulator.liveKeysNamed("teacher:old-orphan-0")).isEmpty();
            assertThat(f.count("select count(*) from " + f.schema + ".ai_provider_keys where key_hash = '" + lost
                            + "' and revoked_at is not null"))
                    .isEqualTo(1);
        }
    }

    private static void addKeys(PipelineFixture f, int n) {
        for (int i = 0; i < n; i++) {
            f.simulator.addKey("elsewhere-new-" + i, new BigDecimal("1"), "monthly");
        }
    }

    private static void report(String pass, int calls) {
        System.out.printf(
                "orphan sweep, %s: %d call(s), %.0f s at the sweep's share of the default rate (%.3f calls/s)%n",
                pass, calls, calls / DEFAULT_SWEEP_RATE, DEFAULT_SWEEP_RATE);
    }

    /** Builds a fresh sweep per pass and counts the calls a pass makes. */
    private record Sweeps(PipelineFixture f, HikariDataSource ds, KeysApi api, KafkaProducer<String, byte[]> producer) {

        OrphanSweep next() {
            ProvisionerConfig config = f.config();
            return new OrphanSweep(
                    api,
                    new ProvisioningQueries(ds, f.schema, config.cdc().ownerTables(), Clock.systemUTC()),
                    new SweepPasses(ds, f.schema),
                    new IntentFence(ds, f.schema, Clock.systemUTC()),
                    config.keyNames(),
                    () -> new RequestPublisher(producer, f.schema + ".requests", Clock.systemUTC(), "sweep"),
                    Clock.systemUTC(),
                    config.orphanGrace());
        }

        void recordFullPass(Instant started) {
            new SweepPasses(ds, f.schema).completed(SweepPasses.Kind.FULL, started, started.plusSeconds(60));
        }

        int calls(Pass pass) throws Exception {
            int before = f.simulator.requests().size();
            long start = System.nanoTime();
            pass.run();
            int calls = f.simulator.requests().size() - before;
            System.out.printf(
                    "  (%d call(s) in %d ms without a rate limit, %d of them GET /keys)%n",
                    calls,
                    Duration.ofNanos(System.nanoTime() - start).toMillis(),
                    f.simulator.requests().stream()
                            .skip(before)
                            .map(SimRequest::path)
                            .filter(p -> p.endsWith("/keys"))
                            .count());
            return calls;
        }
    }

    @FunctionalInterface
    private interface Pass {
        void run() throws Exception;
    }
}
