package io.provisioner.cli;

import static org.awaitility.Awaitility.await;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.simulator.SimKey;
import io.provisioner.testing.Infra;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a user would check after the storm: the owner rows, the active stored keys and the keys live on
 * the simulator, compared. {@link #problems(Collection)} is empty exactly when every owner has one stored
 * key that decrypts to the secret of its one live key, nothing else exists (no key revoked by a rotation
 * or a delete is still live), and the stored and the live key's limit are the owner's
 * {@code ai_key_policies.limit_usd}, or its owner type's default when it has no row or a null one.
 */
final class ChaosAudit {

    private static final int EXAMPLES = 5;

    private final Infra infra;
    private final String schema;
    private final OpenRouterSimulator simulator;
    private final KeyCipher cipher;
    private final Map<String, BigDecimal> defaultLimits;

    /** @param defaultLimits owner type to the limit of its keys without a policy (OR_ORG_LIMIT, OR_TEACHER_LIMIT) */
    ChaosAudit(
            Infra infra,
            String schema,
            OpenRouterSimulator simulator,
            KeyCipher cipher,
            Map<String, BigDecimal> defaultLimits) {
        this.infra = infra;
        this.schema = schema;
        this.simulator = simulator;
        this.cipher = cipher;
        this.defaultLimits = Map.copyOf(defaultLimits);
    }

    /** An active key row; {@code policyLimit} is the limit it should have (the policy's or the default). */
    private record Stored(String hash, String encrypted, BigDecimal keyLimit, BigDecimal policyLimit) {}

    /** Every violation found, each with its count and a few examples; empty when all is in step. */
    List<String> problems(Collection<String> expectedOwners) throws SQLException {
        return problemsIgnoring(expectedOwners, Set.of());
    }

    /**
     * As {@link #problems(Collection)}, as if the live keys with these hashes did not exist: keys created
     * after the client gave up, which only an orphan sweep can find.
     */
    List<String> problemsIgnoring(Collection<String> expectedOwners, Set<String> ignoredHashes) throws SQLException {
        Set<String> owners = owners();
        List<String> problems = new ArrayList<>();
        List<String> duplicateRows = new ArrayList<>();
        Map<String, Stored> stored = stored(duplicateRows);
        List<SimKey> liveKeys = simulator.liveKeys().stream()
                .filter(k -> !ignoredHashes.contains(k.hash()))
                .toList();
        Map<String, List<SimKey>> live = liveKeys.stream().collect(Collectors.groupingBy(SimKey::name));
        Set<String> liveHashes = liveKeys.stream().map(SimKey::hash).collect(Collectors.toSet());
        Set<String> storedHashes = stored.values().stream().map(Stored::hash).collect(Collectors.toSet());

        report(problems, "owner rows missing", minus(expectedOwners, owners));
        report(problems, "unexpected owner rows", minus(owners, expectedOwners));
        report(problems, "owners with two active stored keys", duplicateRows);
        report(problems, "owners without an active stored key", minus(owners, stored.keySet()));
        report(problems, "active stored keys without an owner", minus(stored.keySet(), owners));
        report(problems, "owners without a live key", minus(owners, live.keySet()));
        report(
                problems,
                "names with more than one live key (duplicates)",
                live.entrySet().stream()
                        .filter(e -> e.getValue().size() > 1)
                        .map(Map.Entry::getKey)
                        .toList());
        report(problems, "live keys not stored (orphans)", minus(liveHashes, storedHashes));
        report(problems, "stored keys not live", minus(storedHashes, liveHashes));
        report(problems, "stored keys that do not decrypt to the live secret", wrongSecrets(stored));
        report(problems, "revoked keys still live", revokedLive(liveHashes));
        report(
                problems,
                "stored key_limit other than the policy's (stored/policy)",
                stored.entrySet().stream()
                        .filter(e -> !same(e.getValue().keyLimit(), e.getValue().policyLimit()))
                        .map(e -> e.getKey() + " " + e.getValue().keyLimit() + "/"
                                + e.getValue().policyLimit())
                        .sorted()
                        .toList());
        report(problems, "live keys whose limit is not the policy's (live/policy)", wrongLiveLimits(stored));
        return problems;
    }

    /** The owners with an active stored key. */
    Set<String> storedOwners() throws SQLException {
        return keys(
                "select owner_type || ':' || owner_id from " + schema + ".ai_provider_keys where revoked_at is null");
    }

    /** Live keys with these hashes that are not stored. */
    long liveUnstored(Set<String> hashes) throws SQLException {
        Set<String> storedHashes =
                stored(new ArrayList<>()).values().stream().map(Stored::hash).collect(Collectors.toSet());
        return simulator.liveKeys().stream()
                .filter(k -> hashes.contains(k.hash()) && !storedHashes.contains(k.hash()))
                .count();
    }

    /** e.g. {@code 500 owners, 312 stored keys, 313 live keys}. */
    String progress() throws SQLException {
        long owners = keys("select 'organization:' || id from " + schema + ".organizations"
                        + " union all select 'teacher:' || id from " + schema + ".teachers")
                .size();
        long stored = keys("select id::text from " + schema + ".ai_provider_keys where revoked_at is null")
                .size();
        long revoked = keys("select id::text from " + schema + ".ai_provider_keys where revoked_at is not null")
                .size();
        return owners + " owners, " + stored + " stored keys (" + revoked + " revoked), "
                + simulator.liveKeys().size() + " live keys";
    }

    /** Committed records in {@code <prefix>.dlt} (the prefix is the schema), read up to the last stable offset. */
    long deadLetters(String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        AtomicLong count = new AtomicLong();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(schema + ".dlt").stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            if (parts.isEmpty()) {
                throw new IllegalStateException(schema + ".dlt does not exist");
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                count.addAndGet(consumer.poll(Duration.ofMillis(200)).count());
                return parts.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return count.get();
    }

    /** Owners whose stored key is live with another limit than its policy's, with both limits. */
    private List<String> wrongLiveLimits(Map<String, Stored> stored) {
        List<String> wrong = new ArrayList<>();
        stored.forEach((owner, s) -> simulator.key(s.hash()).ifPresent(k -> {
            if (!same(k.limit(), s.policyLimit())) {
                wrong.add(owner + " " + k.limit() + "/" + s.policyLimit());
            }
        }));
        return wrong.stream().sorted().toList();
    }

    /** Hashes of revoked key rows whose key is live. */
    private List<String> revokedLive(Set<String> liveHashes) throws SQLException {
        Set<String> revoked = keys("select key_hash from " + schema + ".ai_provider_keys where revoked_at is not null");
        return revoked.stream().filter(liveHashes::contains).sorted().toList();
    }

    private static boolean same(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }

    private List<String> wrongSecrets(Map<String, Stored> stored) {
        List<String> wrong = new ArrayList<>();
        stored.forEach((owner, s) -> {
            String secret = simulator.key(s.hash()).map(SimKey::secret).orElse(null);
            if (secret == null) {
                return; // reported as "stored keys not live"
            }
            try {
                if (!cipher.decrypt(s.encrypted(), owner).reveal().equals(secret)) {
                    wrong.add(owner);
                }
            } catch (RuntimeException e) {
                wrong.add(owner + " (" + e.getClass().getSimpleName() + ")");
            }
        });
        return wrong;
    }

    private Set<String> owners() throws SQLException {
        return keys("select 'organization:' || id from " + schema + ".organizations"
                + " union all select 'teacher:' || id from " + schema + ".teachers");
    }

    private Map<String, Stored> stored(List<String> duplicateRows) throws SQLException {
        Map<String, Stored> out = new HashMap<>();
        try (Connection c = infra.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select k.owner_type || ':' || k.owner_id, k.key_hash, k.encrypted_key,"
                        + " k.key_limit, p.limit_usd, k.owner_type from " + schema + ".ai_provider_keys k"
                        + " left join " + schema + ".ai_key_policies p"
                        + " on p.owner_type = k.owner_type and p.owner_id = k.owner_id where k.revoked_at is null")) {
            while (rs.next()) {
                BigDecimal policy = rs.getBigDecimal(5);
                Stored row = new Stored(
                        rs.getString(2),
                        rs.getString(3),
                        rs.getBigDecimal(4),
                        policy != null ? policy : defaultLimits.get(rs.getString(6)));
                if (out.put(rs.getString(1), row) != null) {
                    duplicateRows.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private Set<String> keys(String sql) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = infra.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<String> minus(Collection<String> a, Collection<String> b) {
        Set<String> bs = new HashSet<>(b);
        return a.stream().filter(x -> !bs.contains(x)).sorted().toList();
    }

    private static void report(List<String> problems, String what, List<String> found) {
        if (!found.isEmpty()) {
            problems.add(found.size() + " " + what + ", e.g. " + found.subList(0, Math.min(EXAMPLES, found.size())));
        }
    }
}
