package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionResult;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.RetryHeaders;
import io.provisioner.core.topics.Topics;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.FakeKeysApi.Op;
import io.provisioner.stream.fakes.InMemoryKeyStore;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import io.provisioner.stream.internals.CredentialsPause;
import io.provisioner.stream.internals.StreamMetrics;
import io.provisioner.stream.internals.StreamsProperties;
import io.provisioner.testing.MutableClock;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProvisionerTopologyTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final OwnerRef TEACHER = new OwnerRef("teacher", "t-1");
    private static final KeyLimits TEACHER_LIMITS = new KeyLimits(new BigDecimal("50"), LimitReset.DAILY);

    @TempDir
    Path stateDir;

    private final FakeKeysApi api = new FakeKeysApi();
    private final InMemoryKeyStore store = new InMemoryKeyStore();
    private final NoWaitRateLimiter limiter = new NoWaitRateLimiter();
    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Topics topics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> requests;
    private TestOutputTopic<String, ProvisionResult> results;
    private TestOutputTopic<String, byte[]> dlt;

    @BeforeEach
    void startDriver() {
        ProvisionerConfig config = ProvisionerConfig.from(ConfigSource.load(
                Map.of("PROVISIONER_TOPIC_PREFIX", "unit", "PROVISIONER_STATE_DIR", stateDir.toString()),
                Optional.empty()));
        topics = config.topics();
        ProvisioningService service = new ProvisioningService(
                api,
                store,
                limiter,
                config.limits(),
                config.keyNames(),
                registry,
                Duration.ZERO,
                RetryPolicy.DEFAULT_MAX_RETRY_AFTER);
        var props = StreamsProperties.of(
                config, "unit-test", topics, Duration.ZERO, new StreamMetrics(registry), clock, Map.of());
        driver = new TopologyTestDriver(
                ProvisionerTopology.build(topics, config.retry(), service, clock, registry), props, T0);
        requests = driver.createInputTopic(topics.requests().name(), new StringSerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic(
                topics.results().name(),
                new StringDeserializer(),
                topics.results().valueSerde().deserializer());
        dlt = driver.createOutputTopic(topics.dlt().name(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void createsOneKeyWhenOwnerInserted() {
        store.addOwner(TEACHER);

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.keysNamed("teacher:t-1")).singleElement().satisfies(k -> {
            assertThat(k.limit()).isEqualByComparingTo("50");
            assertThat(k.limitReset()).isEqualTo(LimitReset.DAILY);
        });
        String hash = api.keys().get(0).hash();
        assertThat(store.activeKey(TEACHER))
                .hasValueSatisfying(k -> assertThat(k.hash()).isEqualTo(hash));
        assertThat(store.secret(TEACHER))
                .hasValueSatisfying(s -> assertThat(s.reveal()).startsWith("sk-or-v1-"));
        ProvisionResult result = results.readValue();
        assertThat(result.status()).isEqualTo("created");
        assertThat(result.keyHash()).isEqualTo(hash);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(registry.get("provisioner.keys.provisioned").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("provisioner.requests")
                        .tag("outcome", "created")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void doesNotProvisionOwnerThatHasKey() {
        ApiKey existing = api.seed(TEACHER.key(), TEACHER_LIMITS);
        store.addOwner(TEACHER).seedKey(TEACHER, existing, TEACHER_LIMITS);

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));
        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.callsOf("POST")).isZero();
        assertThat(api.keys()).containsExactly(existing);
        assertThat(results.readValuesToList())
                .extracting(ProvisionResult::status, ProvisionResult::keyHash)
                .containsOnly(org.assertj.core.groups.Tuple.tuple("unchanged", existing.hash()));
    }

    @Test
    void retriesOn500WithHeadersAndGrowingTier() {
        store.addOwner(TEACHER);
        api.failNext(Op.CREATE, FakeKeysApi.http(500, null)).failNext(Op.CREATE, FakeKeysApi.http(502, null));
        byte[] value = upsert(TEACHER);

        requests.pipeInput(TEACHER.key(), value);

        TestRecord<String, byte[]> first = retryTopic(1).readRecord();
        assertThat(first.value()).isEqualTo(value);
        assertThat(header(first.headers(), RetryHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(header(first.headers(), RetryHeaders.DUE_AT)).isEqualTo(millis(T0.plusSeconds(30)));
        assertThat(header(first.headers(), RetryHeaders.FIRST_FAILURE_AT)).isEqualTo(millis(T0));
        assertThat(header(first.headers(), RetryHeaders.ERROR_CLASS)).isEqualTo("RetryableException");
        assertThat(header(first.headers(), RetryHeaders.ERROR_MESSAGE)).contains("500");
        assertThat(store.job(TEACHER)).hasValueSatisfying(j -> {
            assertThat(j.status()).isEqualTo("retrying");
            assertThat(j.nextAttemptAt()).isEqualTo(T0.plusSeconds(30));
        });

        // the retry scheduler sends it back with its headers when due
        redeliverAfter(Duration.ofSeconds(31), first);

        TestRecord<String, byte[]> second = retryTopic(2).readRecord();
        Instant now = T0.plusSeconds(31);
        assertThat(header(second.headers(), RetryHeaders.ATTEMPT)).isEqualTo("2");
        assertThat(header(second.headers(), RetryHeaders.DUE_AT)).isEqualTo(millis(now.plusSeconds(60)));
        assertThat(header(second.headers(), RetryHeaders.FIRST_FAILURE_AT)).isEqualTo(millis(T0));
        assertThat(header(second.headers(), RetryHeaders.ERROR_MESSAGE)).contains("502");

        redeliverAfter(Duration.ofSeconds(61), second);

        assertThat(api.keysNamed(TEACHER.key())).hasSize(1);
        assertThat(results.readValuesToList())
                .extracting(ProvisionResult::status)
                .containsExactly("retrying", "retrying", "created");
        assertThat(registry.get("provisioner.retries")
                        .tag("tier", "2")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void retryRecordIsStampedWithTheTimeItWasWrittenNotTheRequestsTime() {
        store.addOwner(TEACHER);
        api.failNext(Op.CREATE, FakeKeysApi.http(500, null));

        requests.pipeInput(
                new TestRecord<>(TEACHER.key(), upsert(TEACHER), new RecordHeaders(), T0.minusSeconds(86_400)));

        TestRecord<String, byte[]> retry = retryTopic(1).readRecord();
        assertThat(retry.getRecordTime()).isEqualTo(T0);
        assertThat(header(retry.headers(), RetryHeaders.DUE_AT)).isEqualTo(millis(T0.plusSeconds(30)));
    }

    @Test
    void retryAfterLongerThanTierMovesToLaterTier() {
        store.addOwner(TEACHER);
        api.failNext(Op.CREATE, FakeKeysApi.http(429, Duration.ofSeconds(100)));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(retryTopic(1).isEmpty()).isTrue();
        assertThat(retryTopic(2).isEmpty()).isTrue();
        TestRecord<String, byte[]> r = retryTopic(3).readRecord();
        assertThat(header(r.headers(), RetryHeaders.DUE_AT)).isEqualTo(millis(T0.plusSeconds(120)));
    }

    @Test
    void deadLettersAfterEighthAttempt() {
        store.addOwner(TEACHER);
        api.failNext(Op.CREATE, FakeKeysApi.http(503, null));
        Headers headers = new RecordHeaders();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, 7);
        RetryHeaders.put(headers, RetryHeaders.FIRST_FAILURE_AT, millis(T0.minusSeconds(7200)));
        byte[] value = upsert(TEACHER);

        requests.pipeInput(new TestRecord<>(TEACHER.key(), value, headers));

        TestRecord<String, byte[]> dead = dlt.readRecord();
        assertThat(dead.value()).isEqualTo(value);
        assertThat(header(dead.headers(), RetryHeaders.ATTEMPT)).isEqualTo("8");
        assertThat(header(dead.headers(), RetryHeaders.FIRST_FAILURE_AT)).isEqualTo(millis(T0.minusSeconds(7200)));
        assertThat(header(dead.headers(), RetryHeaders.ERROR_MESSAGE)).contains("gave up after 8 attempts", "503");
        assertThat(header(dead.headers(), RetryHeaders.ORIGINAL_TOPIC))
                .isEqualTo(topics.requests().name());
        assertThat(header(dead.headers(), RetryHeaders.ORIGINAL_PARTITION)).isEqualTo("0");
        assertThat(header(dead.headers(), RetryHeaders.ORIGINAL_OFFSET)).isEqualTo("0");
        assertThat(header(dead.headers(), RetryHeaders.ERROR_CLASS)).isNotBlank();
        assertThat(header(dead.headers(), RetryHeaders.DUE_AT)).isEqualTo(millis(T0));
        for (int tier = 1; tier <= topics.retries().size(); tier++) {
            assertThat(retryTopic(tier).isEmpty()).isTrue();
        }
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("dead"));
        assertThat(results.readValue().status()).isEqualTo("dead");
    }

    @Test
    void deadLettersOn400AfterOneCall() {
        store.addOwner(TEACHER);
        api.failNext(Op.CREATE, FakeKeysApi.http(400, null));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.callsOf("POST")).isEqualTo(1);
        TestRecord<String, byte[]> dead = dlt.readRecord();
        assertThat(header(dead.headers(), RetryHeaders.ERROR_CLASS)).isEqualTo("FatalException");
        assertThat(header(dead.headers(), RetryHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(retryTopic(1).isEmpty()).isTrue();
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("dead"));
        assertThat(registry.get("provisioner.dead.letters")
                        .tag("reason", "fatal")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void unreadableRecordGoesToDltWithRawBytes() {
        store.addOwner(TEACHER);
        byte[] notJson = "{not json".getBytes(StandardCharsets.UTF_8);
        byte[] unknownOp =
                "{\"owner_type\":\"teacher\",\"owner_id\":\"t-1\",\"op\":\"merge\"}".getBytes(StandardCharsets.UTF_8);
        byte[] missingId = "{\"owner_type\":\"teacher\",\"op\":\"upsert\"}".getBytes(StandardCharsets.UTF_8);

        requests.pipeInput(TEACHER.key(), notJson);
        requests.pipeInput(TEACHER.key(), unknownOp);
        requests.pipeInput(TEACHER.key(), missingId);
        requests.pipeInput("teacher:someone-else", upsert(TEACHER));
        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        List<TestRecord<String, byte[]>> dead = dlt.readRecordsToList();
        assertThat(dead).extracting(TestRecord::value).containsExactly(notJson, unknownOp, missingId, upsert(TEACHER));
        assertThat(dead)
                .extracting(r -> header(r.headers(), RetryHeaders.ERROR_MESSAGE))
                .satisfiesExactly(
                        m -> assertThat(m).contains("not valid JSON"),
                        m -> assertThat(m).contains("unknown op 'merge'"),
                        m -> assertThat(m).contains("owner_id"),
                        m -> assertThat(m).contains("does not match"));
        assertThat(dead)
                .extracting(r -> header(r.headers(), RetryHeaders.ORIGINAL_OFFSET))
                .containsExactly("0", "1", "2", "3");
        // and the pipeline goes on
        assertThat(results.readValue().status()).isEqualTo("created");
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("succeeded"));
        assertThat(registry.get("provisioner.dead.letters")
                        .tag("reason", "unreadable")
                        .counter()
                        .count())
                .isEqualTo(4.0);
    }

    @Test
    void deleteRevokesKey() {
        ApiKey existing = api.seed(TEACHER.key(), TEACHER_LIMITS);
        store.seedKey(TEACHER, existing, TEACHER_LIMITS); // the owner row is already gone

        requests.pipeInput(TEACHER.key(), request(TEACHER, ProvisionRequest.Op.DELETE));

        assertThat(api.keys()).isEmpty();
        assertThat(store.activeKey(TEACHER)).isEmpty();
        assertThat(store.revokedHashes()).containsExactly(existing.hash());
        ProvisionResult r = results.readValue();
        assertThat(r.status()).isEqualTo("revoked");
        assertThat(r.keyHash()).isEqualTo(existing.hash());
    }

    @Test
    void deleteOfKeyAlreadyGoneOnOpenRouterStillRevokes() {
        ApiKey existing = api.seed(TEACHER.key(), TEACHER_LIMITS);
        store.seedKey(TEACHER, existing, TEACHER_LIMITS);
        api.delete(existing.hash()); // someone deleted it by hand: DELETE will answer 404

        requests.pipeInput(TEACHER.key(), request(TEACHER, ProvisionRequest.Op.DELETE));

        assertThat(store.revokedHashes()).containsExactly(existing.hash());
        assertThat(results.readValue().status()).isEqualTo("revoked");
        assertThat(dlt.isEmpty()).isTrue();
    }

    @Test
    void deleteAfterUnknownCreateOutcomeDeletesTheOrphan() {
        store.addOwner(TEACHER);
        api.timeOutNextCreateAfterCommit();
        requests.pipeInput(TEACHER.key(), upsert(TEACHER));
        assertThat(api.keysNamed(TEACHER.key())).hasSize(1);
        store.removeOwner(TEACHER);

        requests.pipeInput(TEACHER.key(), request(TEACHER, ProvisionRequest.Op.DELETE));

        assertThat(api.keys()).isEmpty();
        assertThat(store.job(TEACHER)).hasValueSatisfying(j -> {
            assertThat(j.status()).isEqualTo("revoked");
            assertThat(j.inFlightSince()).isNull();
        });
    }

    @Test
    void limitChangePatches() {
        KeyLimits old = new KeyLimits(new BigDecimal("20"), LimitReset.MONTHLY);
        ApiKey existing = api.seed(TEACHER.key(), old);
        store.addOwner(TEACHER).seedKey(TEACHER, existing, old);

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.keys()).singleElement().satisfies(k -> {
            assertThat(k.limit()).isEqualByComparingTo("50");
            assertThat(k.limitReset()).isEqualTo(LimitReset.DAILY);
        });
        assertThat(store.activeKey(TEACHER))
                .hasValueSatisfying(
                        k -> assertThat(k.limits().sameAs(TEACHER_LIMITS)).isTrue());
        assertThat(results.readValue().status()).isEqualTo("updated");
        assertThat(api.callsOf("POST")).isZero();
    }

    @Test
    void unknownOutcomeCleansUpDuplicateBeforeCreating() {
        store.addOwner(TEACHER);
        api.timeOutNextCreateAfterCommit();

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));
        TestRecord<String, byte[]> retry = retryTopic(1).readRecord();
        assertThat(api.keysNamed(TEACHER.key())).hasSize(1); // the orphan of the lost answer
        String orphan = api.keys().get(0).hash();
        redeliverAfter(Duration.ofSeconds(30), retry);

        assertThat(api.keysNamed(TEACHER.key())).singleElement().satisfies(k -> assertThat(k.hash())
                .isNotEqualTo(orphan)
                .isEqualTo(store.activeKey(TEACHER).orElseThrow().hash()));
        assertThat(api.calls()).contains("DELETE /keys/" + orphan);
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.inFlightSince()).isNull());
    }

    @Test
    void keyThatCertainlyWasNotStoredIsDeleted() {
        store.addOwner(TEACHER).failNextSaveCreated(() -> new FatalException("hash already stored as a revoked key"));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.keys()).isEmpty();
        assertThat(api.callsOf("DELETE")).isEqualTo(1);
        assertThat(header(dlt.readRecord().headers(), RetryHeaders.ERROR_MESSAGE))
                .contains("revoked key");
        assertThat(store.activeKey(TEACHER)).isEmpty();
    }

    @Test
    void keyWhoseStoreOutcomeIsUnknownIsKeptAndTheNextAttemptLeavesExactlyOne() {
        store.addOwner(TEACHER).failNextSaveCreated(() -> new RetryableException("connection lost while committing"));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        // the commit may have happened: deleting the key now could leave a stored key that does not exist
        assertThat(api.callsOf("DELETE")).isZero();
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.inFlightSince()).isNotNull());
        TestRecord<String, byte[]> retry = retryTopic(1).readRecord();
        assertThat(header(retry.headers(), RetryHeaders.ERROR_MESSAGE)).contains("connection lost");

        redeliverAfter(Duration.ofSeconds(31), retry);

        assertExactlyOneKeyAndItIsTheStoredOne();
    }

    @Test
    void keyOfAnAttemptSupersededByAnotherWorkerIsNotStoredAndDeleted() {
        // a zombie still finishing this attempt while the partition's new owner began its own
        store.addOwner(TEACHER)
                .beforeNextSave(() -> store.beginAttempt(
                        TEACHER, 1, store.job(TEACHER).orElseThrow().inFlightSince()));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(store.activeKey(TEACHER)).isEmpty();
        assertThat(api.keys()).isEmpty();
        assertThat(api.callsOf("DELETE")).isEqualTo(1);
        TestRecord<String, byte[]> retry = retryTopic(1).readRecord();

        redeliverAfter(Duration.ofSeconds(31), retry);

        assertExactlyOneKeyAndItIsTheStoredOne();
    }

    @Test
    void keyStoredMeanwhileByAnotherWorkerIsKeptAndOursDeleted() {
        ApiKey theirs = api.seed(TEACHER.key(), TEACHER_LIMITS);
        store.addOwner(TEACHER).failNextSaveCreated(() -> {
            store.seedKey(TEACHER, theirs, TEACHER_LIMITS);
            return new KeyConflictException("teacher:t-1 already has an active key", theirs.hash());
        });

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.keys()).extracting(ApiKey::hash).containsExactly(theirs.hash());
        assertThat(store.activeKey(TEACHER).orElseThrow().hash()).isEqualTo(theirs.hash());
        TestRecord<String, byte[]> retry = retryTopic(1).readRecord();

        redeliverAfter(Duration.ofSeconds(31), retry);

        assertThat(api.keys()).extracting(ApiKey::hash).containsExactly(theirs.hash());
        assertThat(dlt.isEmpty()).isTrue();
    }

    @Test
    void keyStoredMeanwhileButGoneFromOpenRouterIsRevokedAndTheOwnerProvisionedAgain() {
        ApiKey deletedByOurCleanUp = new ApiKey(
                "gone-hash",
                TEACHER.key(),
                "sk-or-v1-gon...hash",
                false,
                TEACHER_LIMITS.limit(),
                TEACHER_LIMITS.reset(),
                T0);
        store.addOwner(TEACHER).failNextSaveCreated(() -> {
            store.seedKey(TEACHER, deletedByOurCleanUp, TEACHER_LIMITS);
            return new KeyConflictException("teacher:t-1 already has an active key", "gone-hash");
        });

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(store.revokedHashes()).contains("gone-hash");
        assertThat(api.keys()).isEmpty();
        TestRecord<String, byte[]> retry = retryTopic(1).readRecord();

        redeliverAfter(Duration.ofSeconds(31), retry);

        assertExactlyOneKeyAndItIsTheStoredOne();
    }

    @Test
    void resultsCarryNoSecret() {
        store.addOwner(TEACHER);
        store.addOwner(new OwnerRef("organization", "o-1"));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));
        requests.pipeInput("organization:o-1", upsert(new OwnerRef("organization", "o-1")));

        TestOutputTopic<String, byte[]> raw = driver.createOutputTopic(
                topics.results().name(), new StringDeserializer(), new ByteArrayDeserializer());
        List<byte[]> values = raw.readValuesToList();
        assertThat(values).hasSize(2);
        String secret = store.secret(TEACHER).orElseThrow().reveal();
        assertThat(values).allSatisfy(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                .doesNotContain("sk-or-v1")
                .doesNotContain(secret)
                .contains("\"status\":\"created\""));
    }

    @Test
    void rejectedManagementKeyNeitherRetriesNorDeadLetters() {
        store.addOwner(TEACHER);
        api.rejectAll(401);

        assertThatThrownBy(() -> requests.pipeInput(TEACHER.key(), upsert(TEACHER)))
                .satisfies(e -> assertThat(CredentialsPause.find(e)).isNotNull());

        assertThat(dlt.isEmpty()).isTrue();
        assertThat(results.isEmpty()).isTrue();
        for (int tier = 1; tier <= topics.retries().size(); tier++) {
            assertThat(retryTopic(tier).isEmpty()).isTrue();
        }
        assertThat(store.job(TEACHER).map(InMemoryKeyStore.Job::status).orElse("none"))
                .isNotIn("dead", "retrying");
        assertThat(store.activeKey(TEACHER)).isEmpty();
    }

    @Test
    void noPermitInTimeIsRetryableWithoutCallingOpenRouter() {
        store.addOwner(TEACHER);
        limiter.deny(true);

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        assertThat(api.calls()).isEmpty();
        assertThat(header(retryTopic(1).readRecord().headers(), RetryHeaders.ERROR_MESSAGE))
                .contains("rate-limit permit");
    }

    @Test
    void noPermitAtTheLastAttemptSpendsNoAttemptAndNeverDeadLetters() {
        store.addOwner(TEACHER);
        limiter.deny(true);
        Headers headers = new RecordHeaders();
        RetryHeaders.put(headers, RetryHeaders.ATTEMPT, 7);

        requests.pipeInput(new TestRecord<>(TEACHER.key(), upsert(TEACHER), headers));

        assertThat(api.calls()).isEmpty();
        assertThat(dlt.isEmpty())
                .as("nothing dead-lettered with zero calls made")
                .isTrue();
        TestRecord<String, byte[]> again = retryTopic(1).readRecord();
        assertThat(header(again.headers(), RetryHeaders.ATTEMPT))
                .as("the attempt that made no call is not counted")
                .isEqualTo("7");
        assertThat(store.job(TEACHER))
                .hasValueSatisfying(j -> assertThat(j.status()).isEqualTo("retrying"));

        limiter.deny(false);
        redeliverAfter(Duration.ofSeconds(30), again);

        assertThat(store.activeKey(TEACHER))
                .as("the eighth attempt is made, and succeeds")
                .isPresent();
        assertThat(dlt.isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(longs = {7_200, 2_000_000_000L, 10_000_000_000L})
    void aRetryAfterBeyondOneHourIsCutToOneHourAndClearsTheIntent(long retryAfterSeconds) {
        store.addOwner(TEACHER);
        api.failNext(Op.CREATE, FakeKeysApi.http(429, Duration.ofSeconds(retryAfterSeconds)));

        requests.pipeInput(TEACHER.key(), upsert(TEACHER));

        TestRecord<String, byte[]> r = retryTopic(7).readRecord();
        assertThat(header(r.headers(), RetryHeaders.DUE_AT))
                .as("due after OR_MAX_RETRY_AFTER (1h), not after the server's " + retryAfterSeconds + " s")
                .isEqualTo(millis(T0.plus(Duration.ofHours(1))));
        assertThat(store.job(TEACHER)).hasValueSatisfying(j -> assertThat(j.inFlightSince())
                .as("a 429 did not act: no intent is left for the next attempt to clean up")
                .isNull());
    }

    private TestOutputTopic<String, byte[]> retryTopic(int tier) {
        return driver.createOutputTopic(
                topics.retry(tier).name(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static byte[] upsert(OwnerRef owner) {
        return request(owner, ProvisionRequest.Op.UPSERT);
    }

    private static byte[] request(OwnerRef owner, ProvisionRequest.Op op) {
        return RequestCodec.encode(ProvisionRequest.of(
                owner, op, new ProvisionRequest.Source("public.teachers", 42L, T0.toEpochMilli()), T0));
    }

    private static String header(Headers headers, String name) {
        return RetryHeaders.string(headers, name).orElse(null);
    }

    /** Plays the retry scheduler: the record comes back, headers and all, once its delay has passed. */
    private void redeliverAfter(Duration wait, TestRecord<String, byte[]> retry) {
        clock.advance(wait);
        requests.pipeInput(new TestRecord<>(retry.key(), retry.value(), retry.headers()));
    }

    private void assertExactlyOneKeyAndItIsTheStoredOne() {
        assertThat(api.keysNamed(TEACHER.key())).hasSize(1);
        assertThat(store.activeKey(TEACHER).orElseThrow().hash())
                .isEqualTo(api.keys().get(0).hash());
    }

    private static String millis(Instant t) {
        return Long.toString(t.toEpochMilli());
    }
}
