package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionResult;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.topics.RetryHeaders;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.core.topics.Topics;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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

@ExtendWith(SharedInfra.class)
class ProvisionerStreamAppIT {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path stateDir;

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Infra infra;
    private Topics topics;
    private ProvisionerStreamApp app;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void startApp(Infra infra) {
        this.infra = infra;
        String prefix = TestNames.unique("stream");
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        infra.bootstrapServers(),
                        "PROVISIONER_TOPIC_PREFIX",
                        prefix,
                        "PROVISIONER_PARTITIONS",
                        "2",
                        "PROVISIONER_STATE_DIR",
                        stateDir.toString(),
                        "OR_BATCH_SIZE",
                        "5"),
                Optional.empty()));
        topics = config.topics();
        // as the process does before its components start: the app does not create them
        TopicCreator.ensure(
                KafkaClientSettings.of(config).admin().build(),
                topics,
                config.kafka().partitions());
        app = new ProvisionerStreamApp(
                config,
                api,
                store,
                new NoWaitRateLimiter(),
                registry,
                Clock.systemUTC(),
                Map.of(
                        StreamsConfig.APPLICATION_ID_CONFIG,
                        prefix + "_app",
                        // longer than PATIENCE: a stream thread that died (401) without leaving the group
                        // would hold the rebalance that admits its replacement, so the pause test only
                        // resumes in time if the dead thread's consumer leaves the group
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                        120_000));
        app.start();
        // one request in flight: on a topic created a moment ago, a first batch answered with a retriable
        // error while a later one is appended leaves an idempotent producer retrying an out-of-order
        // sequence until its delivery timeout (KAFKA-14359)
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        infra.bootstrapServers(),
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        1),
                new StringSerializer(),
                new ByteArraySerializer());
        await().atMost(PATIENCE).until(app::healthy);
    }

    @AfterEach
    void stopApp() {
        producer.close();
        app.close();
    }

    @Test
    void producedRequestsBecomeKeysAndResults() {
        List<OwnerRef> owners = owners("teacher", 10);
        owners.forEach(store::addOwner);

        owners.forEach(this::request);

        try (TopicReader results =
                new TopicReader(infra.bootstrapServers(), topics.results().name())) {
            await().atMost(PATIENCE).until(() -> results.records().size() >= owners.size());
            assertThat(results.records()).extracting(r -> result(r).status()).containsOnly("created");
        }
        assertThat(owners).allSatisfy(o -> assertThat(api.keysNamed(o.key())).hasSize(1));
        assertThat(store.activeKeyCount()).isEqualTo(owners.size());
        assertThat(app.healthDetail()).startsWith("UP");
    }

    @Test
    void rejectedManagementKeyPausesWithHealthDownAndResumesByItself() {
        List<OwnerRef> owners = owners("organization", 3);
        owners.forEach(store::addOwner);
        api.rejectAll(401);

        owners.forEach(this::request);

        await().atMost(PATIENCE).until(() -> !app.healthy());
        assertThat(app.healthDetail()).startsWith("DOWN").contains("401");
        assertThat(registry.get("provisioner.openrouter.paused").gauge().value())
                .isEqualTo(1.0);
        await().atMost(PATIENCE).until(() -> api.callsOf("GET /key") >= 2); // probing, still rejected
        assertThat(api.keys()).isEmpty();

        api.acceptAll();

        try (TopicReader results =
                new TopicReader(infra.bootstrapServers(), topics.results().name())) {
            await().atMost(PATIENCE).until(() -> results.records().size() >= owners.size());
            assertThat(results.records()).extracting(r -> result(r).status()).containsOnly("created");
        }
        await().atMost(PATIENCE).until(app::healthy);
        assertThat(owners).allSatisfy(o -> assertThat(api.keysNamed(o.key())).hasSize(1));
        try (TopicReader dlt =
                        new TopicReader(infra.bootstrapServers(), topics.dlt().name());
                TopicReader retry = new TopicReader(
                        infra.bootstrapServers(), topics.retry(1).name())) {
            assertThat(dlt.records()).isEmpty();
            assertThat(retry.records()).isEmpty();
        }
    }

    @Test
    void requestRefusedWith403WhileTheKeyIsAcceptedIsDeadLetteredAfterThreePauses() {
        OwnerRef refused = owners("teacher", 1).get(0);
        store.addOwner(refused);
        for (int i = 0; i < 10; i++) { // GET /key keeps accepting the management key
            api.failNext(FakeKeysApi.Op.CREATE, FakeKeysApi.http(403, null));
        }

        request(refused);

        try (TopicReader dlt =
                new TopicReader(infra.bootstrapServers(), topics.dlt().name())) {
            // each pause fails a stream thread on purpose, which is not what this test is about
            await().dontCatchUncaughtExceptions()
                    .atMost(PATIENCE.multipliedBy(2))
                    .until(() -> !dlt.records().isEmpty());
            assertThat(dlt.records()).singleElement().satisfies(r -> {
                assertThat(r.key()).isEqualTo(refused.key());
                assertThat(RetryHeaders.string(r.headers(), RetryHeaders.ERROR_MESSAGE))
                        .hasValueSatisfying(m -> assertThat(m).contains("403", "3 pauses"));
            });
        }
        assertThat(api.callsOf("POST /keys")).isEqualTo(4);
        assertThat(api.calls()).filteredOn("GET /key"::equals).hasSizeGreaterThanOrEqualTo(3);
        await().atMost(PATIENCE).until(app::healthy);
        assertThat(api.keys()).isEmpty();
    }

    @Test
    void poisonRecordsGoToDltWhileGoodOnesAreProvisioned() {
        List<OwnerRef> owners = owners("teacher", 100);
        owners.forEach(store::addOwner);

        for (int i = 0; i < owners.size(); i++) {
            producer.send(new ProducerRecord<>(
                    topics.requests().name(),
                    "teacher:poison-" + i,
                    ("{\"op\":" + i).getBytes(StandardCharsets.UTF_8)));
            request(owners.get(i));
        }
        producer.flush();

        try (TopicReader dlt =
                        new TopicReader(infra.bootstrapServers(), topics.dlt().name());
                TopicReader results = new TopicReader(
                        infra.bootstrapServers(), topics.results().name())) {
            await().atMost(PATIENCE)
                    .until(() ->
                            dlt.records().size() >= 100 && results.records().size() >= 100);
            assertThat(dlt.records()).hasSize(100).allSatisfy(r -> {
                assertThat(r.key()).startsWith("teacher:poison-");
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).startsWith("{\"op\":");
                assertThat(RetryHeaders.string(r.headers(), RetryHeaders.ERROR_MESSAGE))
                        .hasValueSatisfying(m -> assertThat(m).contains("not valid JSON"));
            });
            // each good request processed exactly once: no thread restart, no replayed batch
            assertThat(results.records())
                    .hasSize(100)
                    .extracting(r -> result(r).status())
                    .containsOnly("created");
        }
        assertThat(api.keys()).hasSize(100);
        assertThat(app.healthy()).isTrue();
    }

    private void request(OwnerRef owner) {
        ProvisionRequest r = ProvisionRequest.of(
                owner, ProvisionRequest.Op.UPSERT, new ProvisionRequest.Source("public.x", 1L, 0L), Instant.now());
        producer.send(new ProducerRecord<>(topics.requests().name(), owner.key(), RequestCodec.encode(r)));
    }

    private static List<OwnerRef> owners(String type, int n) {
        String run = TestNames.unique("o");
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> new OwnerRef(type, run + "-" + i))
                .toList();
    }

    private static ProvisionResult result(ConsumerRecord<String, byte[]> r) {
        try {
            return Json.MAPPER.readValue(r.value(), ProvisionResult.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
