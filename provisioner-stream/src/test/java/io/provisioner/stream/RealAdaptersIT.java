package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.secret.Secret;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.core.topics.Topics;
import io.provisioner.db.Database;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.Migrator;
import io.provisioner.openrouter.CallListener;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.simulator.SimKey;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The app with the real adapters: OpenRouter simulator over HTTP, JdbcKeyStore on PostgreSQL. */
@ExtendWith(SharedInfra.class)
class RealAdaptersIT {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path stateDir;

    private Infra infra;
    private String schema;
    private HikariDataSource ds;
    private OpenRouterSimulator simulator;
    private OpenRouterClient client;
    private ProvisionerStreamApp app;
    private KafkaProducer<String, byte[]> producer;
    private Topics topics;
    private JdbcKeyStore store;
    private final List<OpenRouterClient> clients = new ArrayList<>();
    private ProvisionerConfig config;

    @BeforeEach
    void start(Infra infra) throws SQLException {
        this.infra = infra;
        schema = TestNames.unique("stream_db");
        ds = Database.open(
                new DatabaseConfig(
                        infra.jdbcUrl(), Optional.of(infra.dbUser()), Optional.of(new Secret(infra.dbPassword()))),
                schema,
                4);
        exec("create schema " + schema);
        exec("create table " + schema + ".teachers (id uuid primary key, name text)");
        exec("create table " + schema + ".organizations (id uuid primary key, name text)");
        Migrator.migrate(ds, schema);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        KeyCipher cipher = KeyCipher.fromBase64(new Secret(Base64.getEncoder().encodeToString(key)));
        store = new JdbcKeyStore(
                ds,
                schema,
                cipher,
                Map.of("teacher", schema + ".teachers", "organization", schema + ".organizations"),
                Clock.systemUTC());
        simulator = OpenRouterSimulator.start();
        config = ProvisionerConfig.from(ConfigSource.load(
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers(),
                        "PROVISIONER_TOPIC_PREFIX", schema,
                        "PROVISIONER_PARTITIONS", "2",
                        "PROVISIONER_STATE_DIR", stateDir.toString(),
                        "OPENROUTER_BASE_URL", simulator.baseUrl(),
                        "OPENROUTER_PROVISIONING_KEY", simulator.managementKey(),
                        "OR_HTTP_TIMEOUT_MS", "1000"),
                Optional.empty()));
        topics = config.topics();
        // as the process does before its components start: the app does not create them
        TopicCreator.ensure(
                KafkaClientSettings.of(config).admin().build(),
                topics,
                config.kafka().partitions());
        client = OpenRouterClient.create(config.openRouter(), Clock.systemUTC());
        app = new ProvisionerStreamApp(
                config,
                client,
                store,
                new NoWaitRateLimiter(),
                new SimpleMeterRegistry(),
                Clock.systemUTC(),
                Map.of(StreamsConfig.APPLICATION_ID_CONFIG, schema + "_app"));
        app.start();
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer());
        await().atMost(PATIENCE).until(app::healthy);
    }

    @AfterEach
    void stop() throws SQLException {
        producer.close();
        clients.forEach(OpenRouterClient::close);
        app.close();
        client.close();
        simulator.close();
        exec("drop schema if exists " + schema + " cascade");
        ds.close();
    }

    @Test
    void lostCreateAnswerStillLeavesExactlyOneKeyPerOwner() throws SQLException {
        List<OwnerRef> owners = IntStream.range(0, 5)
                .mapToObj(i -> new OwnerRef("teacher", UUID.randomUUID().toString()))
                .toList();
        for (OwnerRef o : owners) {
            exec("insert into " + schema + ".teachers (id, name) values ('" + o.ownerId() + "', 't')");
        }
        simulator.enqueueCreateFaults(Fault.timeoutAfterCreate(Duration.ofSeconds(3)));

        owners.forEach(this::request);

        try (TopicReader retry =
                new TopicReader(infra.bootstrapServers(), topics.retry(1).name())) {
            await().atMost(PATIENCE).until(() -> retry.records().size() >= 1);
            // play the retry scheduler: send it back, headers and all
            ConsumerRecord<String, byte[]> r = retry.records().get(0);
            producer.send(new ProducerRecord<>(topics.requests().name(), null, r.key(), r.value(), r.headers()));
        }
        await().atMost(PATIENCE).until(() -> count("ai_provider_keys where revoked_at is null") == owners.size());
        assertThat(owners)
                .allSatisfy(o -> assertThat(simulator.liveKeysNamed(o.key())).hasSize(1));
        assertThat(simulator.liveKeys()).hasSize(owners.size());
        assertThat(count("ai_key_provision_jobs where status = 'succeeded'")).isEqualTo(owners.size());
    }

    @Test
    void rejectedManagementKeyPausesUntilTheSimulatorAcceptsItAgain() throws SQLException {
        OwnerRef owner = new OwnerRef("teacher", UUID.randomUUID().toString());
        exec("insert into " + schema + ".teachers (id, name) values ('" + owner.ownerId() + "', 't')");
        String good = simulator.managementKey();
        simulator.setAcceptedManagementKey("sk-or-v1-someone-else");

        request(owner);

        await().atMost(PATIENCE).until(() -> !app.healthy());
        assertThat(app.healthDetail()).contains("401");
        simulator.setAcceptedManagementKey(good);

        await().atMost(PATIENCE).until(() -> count("ai_provider_keys where revoked_at is null") == 1);
        await().atMost(PATIENCE).until(app::healthy);
        assertThat(simulator.liveKeysNamed(owner.key())).hasSize(1);
        try (TopicReader dlt =
                new TopicReader(infra.bootstrapServers(), topics.dlt().name())) {
            // a dead letter is committed with the stream's next commit (every second): watch for longer
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> dlt.records()
                    .isEmpty());
        }
    }

    @Test
    void deleteCarriedOutButAnswered502ThenTheRowBackUnderItsIdLeavesOneKeyThatExists() throws SQLException {
        OwnerRef owner = new OwnerRef("teacher", UUID.randomUUID().toString());
        insertRow(owner);
        request(owner, ProvisionRequest.Op.UPSERT);
        await().atMost(PATIENCE).until(() -> count("ai_provider_keys where revoked_at is null") == 1);
        String first = simulator.liveKeysNamed(owner.key()).get(0).hash();

        exec("delete from " + schema + ".teachers where id = '" + owner.ownerId() + "'");
        simulator.enqueueDeleteFaults(Fault.actThenStatus(502));
        request(owner, ProvisionRequest.Op.DELETE);
        await().atMost(PATIENCE).until(() -> jobStatus(owner).matches("revoked|retrying"));
        assertThat(simulator.key(first)).as("OpenRouter carried the DELETE out").isEmpty();
        // the row is back under the same id before any retry of the delete
        insertRow(owner);
        request(owner, ProvisionRequest.Op.UPSERT);

        await().atMost(PATIENCE).until(() -> jobStatus(owner).equals("succeeded"));
        List<String> stored = activeHashes(owner);
        assertThat(stored).hasSize(1);
        assertThat(simulator.key(stored.get(0)))
                .as("the stored key exists on OpenRouter")
                .isPresent();
        assertThat(simulator.liveKeysNamed(owner.key()))
                .extracting(SimKey::hash)
                .containsExactlyElementsOf(stored);
    }

    @Test
    void zombieThatReadTheOwnerGoneDeletesNothingOnceALiveWorkerKeptTheKeyOfTheRowBack() throws SQLException {
        OwnerRef owner = new OwnerRef("teacher", UUID.randomUUID().toString());
        insertRow(owner);
        ProvisioningService live = service(new NoWaitRateLimiter());
        String kept =
                live.handle(requestFor(owner, ProvisionRequest.Op.UPSERT), 1).keyHash();
        exec("delete from " + schema + ".teachers where id = '" + owner.ownerId() + "'");
        // the zombie read "owner gone", began the revoke and stalls on its DELETE's permit; meanwhile the row
        // is back under the same id and a live worker keeps the key
        AtomicInteger permits = new AtomicInteger();
        ProvisioningService zombie = service(maxWait -> {
            if (permits.incrementAndGet() == 1) {
                insertRow(owner);
                live.handle(requestFor(owner, ProvisionRequest.Op.UPSERT), 1);
            }
            return true;
        });

        Outcome outcome = zombie.handle(requestFor(owner, ProvisionRequest.Op.DELETE), 1);

        assertThat(outcome).isEqualTo(new Outcome.Unchanged(kept));
        assertThat(simulator.count("DELETE", "/api/v1/keys")).isZero();
        assertThat(simulator.key(kept)).isPresent();
        assertThat(activeHashes(owner)).containsExactly(kept);
        assertThat(jobStatus(owner)).isEqualTo("succeeded");
    }

    /**
     * Two workers update one key with different policies and their calls cross: the stalled one (A, which
     * loaded the older policy) sends its PATCH after the other (B) sent its own, and B's database write
     * comes last. The row then says B's limit while OpenRouter holds A's, unless the update is fenced: A's
     * save is refused, A and B leave the outcome unsettled, and the owner's next attempt reads the key back
     * and sets it once more.
     */
    @Test
    void aStalledWorkersLatePatchDoesNotLeaveOpenRouterOnAnOlderPolicyThanTheRowSays() throws Exception {
        OwnerRef owner = new OwnerRef("teacher", UUID.randomUUID().toString());
        insertRow(owner);
        ProvisioningService live = service(new NoWaitRateLimiter());
        String hash =
                live.handle(requestFor(owner, ProvisionRequest.Op.UPSERT), 1).keyHash();
        setPolicyLimit(owner, "11");

        CountDownLatch aAtPatch = new CountDownLatch(1);
        CountDownLatch aGo = new CountDownLatch(1);
        CountDownLatch bPatched = new CountDownLatch(1);
        CountDownLatch bGo = new CountDownLatch(1);
        ProvisioningService a = service(
                new NoWaitRateLimiter(),
                () -> {
                    aAtPatch.countDown();
                    reach(aGo);
                },
                () -> {});
        ProvisioningService b = service(new NoWaitRateLimiter(), () -> {}, () -> {
            bPatched.countDown();
            reach(bGo);
        });
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            Future<?> aDone = workers.submit(() -> a.handle(requestFor(owner, ProvisionRequest.Op.UPSERT), 2));
            reach(aAtPatch);
            setPolicyLimit(owner, "12");
            Future<?> bDone = workers.submit(() -> b.handle(requestFor(owner, ProvisionRequest.Op.UPSERT), 2));
            reach(bPatched);
            aGo.countDown();
            settle(aDone);
            bGo.countDown();
            settle(bDone);
        } finally {
            aGo.countDown();
            bGo.countDown();
            workers.shutdownNow();
        }
        assertThat(simulator.key(hash).orElseThrow().limit()).isEqualByComparingTo("11");

        // the owner's next attempt (its retry) converges from what OpenRouter holds
        live.handle(requestFor(owner, ProvisionRequest.Op.UPSERT), 3);

        assertThat(simulator.key(hash).orElseThrow().limit()).isEqualByComparingTo("12");
        assertThat(count("ai_provider_keys where key_hash = '" + hash + "' and key_limit = 12"))
                .isEqualTo(1);
        assertThat(activeHashes(owner)).containsExactly(hash);
        assertThat(simulator.count("POST", "/api/v1/keys")).isEqualTo(1);
    }

    private void setPolicyLimit(OwnerRef owner, String limit) throws SQLException {
        exec("insert into " + schema + ".ai_key_policies (owner_type, owner_id, limit_usd) values ('"
                + owner.ownerType() + "', '" + owner.ownerId() + "', " + limit + ") on conflict (owner_type, owner_id)"
                + " do update set limit_usd = excluded.limit_usd, updated_at = now()");
    }

    private static void reach(CountDownLatch latch) {
        try {
            if (!latch.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("a worker did not get there in " + PATIENCE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits for a worker; a retryable failure is what a superseded update ends in, and is its retry's cue. */
    private static void settle(Future<?> worker) throws Exception {
        try {
            worker.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RetryableException)) {
                throw e;
            }
        }
    }

    /** A service whose PATCHes run {@code beforePatch} right before they are sent and {@code afterPatch} after. */
    private ProvisioningService service(RateLimiter limiter, Runnable beforePatch, Runnable afterPatch) {
        OpenRouterClient patient = patientClient();
        KeysApi pausing = new KeysApi() {
            @Override
            public void verifyCredentials() {
                patient.verifyCredentials();
            }

            @Override
            public CreatedKey create(String name, KeyLimits limits) {
                return patient.create(name, limits);
            }

            @Override
            public Optional<ApiKey> get(String hash) {
                return patient.get(hash);
            }

            @Override
            public List<ApiKey> list(int offset, boolean includeDisabled) {
                return patient.list(offset, includeDisabled);
            }

            @Override
            public ApiKey updateLimits(String hash, KeyLimits limits) {
                beforePatch.run();
                ApiKey updated = patient.updateLimits(hash, limits);
                afterPatch.run();
                return updated;
            }

            @Override
            public boolean delete(String hash) {
                return patient.delete(hash);
            }
        };
        return service(pausing, limiter);
    }

    /** A service on its own client, patient enough for a machine busy with other builds. */
    private ProvisioningService service(RateLimiter limiter) {
        return service(patientClient(), limiter);
    }

    private OpenRouterClient patientClient() {
        OpenRouterClient patient = new OpenRouterClient(
                URI.create(simulator.baseUrl()),
                new Secret(simulator.managementKey()),
                Duration.ofSeconds(30),
                CallListener.NONE,
                Clock.systemUTC());
        clients.add(patient);
        return patient;
    }

    private ProvisioningService service(KeysApi api, RateLimiter limiter) {
        return new ProvisioningService(
                api,
                store,
                limiter,
                config.limits(),
                config.keyNames(),
                new SimpleMeterRegistry(),
                Duration.ZERO,
                RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
    }

    private void insertRow(OwnerRef owner) {
        try {
            exec("insert into " + schema + ".teachers (id, name) values ('" + owner.ownerId() + "', 't')");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String jobStatus(OwnerRef owner) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select status from " + schema
                        + ".ai_key_provision_jobs where owner_type = ? and owner_id = ?")) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    private List<String> activeHashes(OwnerRef owner) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select key_hash from " + schema
                        + ".ai_provider_keys where owner_type = ? and owner_id = ? and revoked_at is null")) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    private void request(OwnerRef owner) {
        request(owner, ProvisionRequest.Op.UPSERT);
    }

    private void request(OwnerRef owner, ProvisionRequest.Op op) {
        producer.send(new ProducerRecord<>(
                topics.requests().name(), owner.key(), RequestCodec.encode(requestFor(owner, op))));
        producer.flush();
    }

    private static ProvisionRequest requestFor(OwnerRef owner, ProvisionRequest.Op op) {
        return ProvisionRequest.of(owner, op, new ProvisionRequest.Source("teachers", 1L, 0L), Instant.now());
    }

    private int count(String fromWhere) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select count(*) from " + schema + "." + fromWhere)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void exec(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
