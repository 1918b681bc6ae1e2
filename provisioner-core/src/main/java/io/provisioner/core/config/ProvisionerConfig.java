package io.provisioner.core.config;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.Topics;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Every setting, typed and validated when built: a bad value fails here with a {@link ConfigException}
 * that names it. Settings required only by some components (the management key, the encryption key,
 * the database) are optional here and demanded by {@code require*} when a component starts. Immutable.
 */
public record ProvisionerConfig(
        OpenRouterConfig openRouter,
        Optional<DatabaseConfig> database,
        Kafka kafka,
        Optional<Secret> encryptionKey,
        Optional<Secret> encryptionKeyOld,
        Throttle throttle,
        RetryPolicy retry,
        Limits limits,
        Cdc cdc,
        Http http,
        Duration sweepInterval,
        Duration orphanGrace,
        Optional<Duration> dltRetention,
        KeyNames keyNames,
        Path stateDir,
        LogFormat logFormat,
        LogLevel logLevel) {

    public enum LogLevel {
        TRACE,
        DEBUG,
        INFO,
        WARN,
        ERROR
    }

    public enum RateLimiterKind {
        POSTGRES,
        LOCAL
    }

    public enum SnapshotMode {
        INITIAL,
        NO_DATA
    }

    public enum LogFormat {
        TEXT,
        JSON
    }

    /** Kafka clients: bootstrap servers plus pass-through client settings; topic layout. */
    public record Kafka(
            String bootstrapServers, Map<String, String> clientProperties, String topicPrefix, int partitions) {
        /** Properties every client of ours starts from. */
        public Map<String, Object> baseProperties() {
            Map<String, Object> p = new HashMap<>(clientProperties);
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            return p;
        }
    }

    /** The provisioner's pace: calls per second, shared or local bucket, records per poll. */
    public record Throttle(double ratePerSecond, RateLimiterKind limiter, int batchSize) {}

    /** The spending cap each owner type's key gets. */
    public record Limits(KeyLimits organization, KeyLimits teacher) {
        public KeyLimits forOwnerType(String ownerType) {
            return OwnerRef.TEACHER.equals(ownerType) ? teacher : organization;
        }
    }

    /**
     * What cdc-bridge captures.
     *
     * @param tables schema-qualified table name to owner type (singular of the table name)
     */
    public record Cdc(
            Map<String, String> tables,
            String slotName,
            String publication,
            SnapshotMode snapshotMode,
            Duration heartbeatInterval) {}

    public record Http(String bind, int port) {}

    /** The longest spacing of calls, OR_DELAY_MS's maximum; OR_RATE_PER_SEC may not be slower. */
    static final Duration MAX_DELAY = Duration.ofHours(1);

    static final BigDecimal MIN_RATE = BigDecimal.ONE.divide(BigDecimal.valueOf(3600), 9, RoundingMode.UP);
    static final BigDecimal MAX_RATE = BigDecimal.valueOf(10_000);
    static final BigDecimal MAX_MULTIPLIER = BigDecimal.valueOf(100);
    static final Duration MIN_SWEEP = Duration.ofMillis(100);
    static final Duration MAX_SWEEP = Duration.ofDays(7);
    static final Duration MAX_GRACE = Duration.ofDays(30);
    static final Duration MAX_DLT_RETENTION = Duration.ofDays(3650);
    static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(1);
    static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

    /** Reads the environment. */
    public static ProvisionerConfig fromEnvironment() {
        return from(ConfigSource.fromEnvironment());
    }

    public static ProvisionerConfig from(ConfigSource source) {
        Parse p = new Parse(source);
        int maxAttempts = p.intIn(Settings.OR_MAX_ATTEMPTS, 1, 50);
        Duration initial = Duration.ofMillis(p.intIn(Settings.OR_BACKOFF_INITIAL_MS, 1, Integer.MAX_VALUE));
        Duration max = Duration.ofMillis(p.intIn(Settings.OR_BACKOFF_MAX_MS, 1, Integer.MAX_VALUE));
        double multiplier = p.decimalIn(Settings.OR_BACKOFF_MULTIPLIER, BigDecimal.ONE, MAX_MULTIPLIER, 6)
                .orElseThrow()
                .doubleValue();
        if (max.compareTo(initial) < 0) {
            throw new ConfigException(Settings.OR_BACKOFF_MAX_MS.env(), "must not be less than OR_BACKOFF_INITIAL_MS");
        }
        Optional<Secret> encryptionKey = p.secret(Settings.PROVISIONER_ENCRYPTION_KEY);
        encryptionKey.ifPresent(k -> KeyCipher.fromBase64(Settings.PROVISIONER_ENCRYPTION_KEY.env(), k));
        Optional<Secret> encryptionKeyOld = p.secret(Settings.PROVISIONER_ENCRYPTION_KEY_OLD);
        encryptionKeyOld.ifPresent(k -> KeyCipher.fromBase64(Settings.PROVISIONER_ENCRYPTION_KEY_OLD.env(), k));
        LimitReset reset = p.choice(Settings.OR_LIMIT_RESET, LimitReset.class);
        OpenRouterConfig openRouter = OpenRouterConfig.from(p);
        return new ProvisionerConfig(
                openRouter,
                DatabaseConfig.from(p),
                kafka(p, source),
                encryptionKey,
                encryptionKeyOld,
                new Throttle(
                        rate(p),
                        p.choice(Settings.OR_RATE_LIMITER, RateLimiterKind.class),
                        p.intIn(Settings.OR_BATCH_SIZE, 1, 10_000)),
                new RetryPolicy(
                        maxAttempts,
                        initial,
                        multiplier,
                        max,
                        p.durationIn(Settings.OR_MAX_RETRY_AFTER, MIN_RETRY_AFTER, MAX_RETRY_AFTER, false)),
                new Limits(
                        new KeyLimits(limit(p, Settings.OR_ORG_LIMIT), reset),
                        new KeyLimits(limit(p, Settings.OR_TEACHER_LIMIT), reset)),
                cdc(p),
                new Http(p.required(Settings.PROVISIONER_HTTP_BIND), p.intIn(Settings.PROVISIONER_HTTP_PORT, 0, 65535)),
                p.durationIn(Settings.PROVISIONER_SWEEP_INTERVAL, MIN_SWEEP, MAX_SWEEP, true),
                orphanGrace(p, openRouter),
                dltRetention(p),
                keyNames(p),
                p.string(Settings.PROVISIONER_STATE_DIR)
                        .map(Path::of)
                        .orElse(Path.of(System.getProperty("java.io.tmpdir"), "provisioner-streams")),
                p.choice(Settings.LOG_FORMAT, LogFormat.class),
                p.choice(Settings.PROVISIONER_LOG_LEVEL, LogLevel.class));
    }

    public Topics topics() {
        return new Topics(kafka.topicPrefix(), retry.maxAttempts(), dltRetention, retry::tierDelay);
    }

    public DatabaseConfig requireDatabase() {
        return database.orElseThrow(() -> new ConfigException(Settings.DATABASE_URL.env(), "is required but not set"));
    }

    public KeyCipher requireCipher() {
        return KeyCipher.fromBase64(
                Settings.PROVISIONER_ENCRYPTION_KEY.env(),
                encryptionKey.orElseThrow(() -> new ConfigException(
                        Settings.PROVISIONER_ENCRYPTION_KEY.env(), "is required by the provisioner but not set")));
    }

    /** Both are checked, though OR_RATE_PER_SEC wins when set. */
    private static double rate(Parse p) {
        int delayMs = p.intIn(Settings.OR_DELAY_MS, 1, (int) MAX_DELAY.toMillis());
        return p.decimalIn(Settings.OR_RATE_PER_SEC, MIN_RATE, MAX_RATE, 9)
                .map(BigDecimal::doubleValue)
                .orElse(1000.0 / delayMs);
    }

    /** A spending cap: more than zero, at most a billion US dollars, in hundredths of a cent at most. */
    private static BigDecimal limit(Parse p, Setting s) {
        return p.decimalIn(s, new BigDecimal("0.0001"), new BigDecimal("1000000000"), 4)
                .orElseThrow();
    }

    private static Duration orphanGrace(Parse p, OpenRouterConfig openRouter) {
        Duration grace = p.durationIn(Settings.PROVISIONER_ORPHAN_GRACE, Duration.ofMillis(1), MAX_GRACE, false);
        if (grace.compareTo(openRouter.callTimeout()) <= 0) {
            throw new ConfigException(
                    Settings.PROVISIONER_ORPHAN_GRACE.env(),
                    "must exceed OR_HTTP_TIMEOUT_MS ("
                            + openRouter.callTimeout().toMillis() + " ms), was " + grace);
        }
        return grace;
    }

    /** Empty for {@code -1}: the DLT keeps its records until they are replayed. */
    private static Optional<Duration> dltRetention(Parse p) {
        String v = p.required(Settings.PROVISIONER_DLT_RETENTION).trim();
        if (v.equals("-1")) {
            return Optional.empty();
        }
        return Optional.of(
                p.durationIn(Settings.PROVISIONER_DLT_RETENTION, Duration.ofMinutes(1), MAX_DLT_RETENTION, false));
    }

    private static KeyNames keyNames(Parse p) {
        String prefix = p.string(Settings.OR_KEY_NAME_PREFIX).orElse("");
        if (prefix.length() > 64 || !prefix.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
            throw new ConfigException(
                    Settings.OR_KEY_NAME_PREFIX.env(), "must be at most 64 printable ASCII characters");
        }
        return new KeyNames(prefix);
    }

    private static Kafka kafka(Parse p, ConfigSource source) {
        Set<String> known = new java.util.HashSet<>();
        known.addAll(ProducerConfig.configNames());
        known.addAll(ConsumerConfig.configNames());
        known.addAll(AdminClientConfig.configNames());
        Map<String, String> pass = new LinkedHashMap<>();
        source.kafkaPassthrough().forEach((k, v) -> {
            if (known.contains(k)) {
                pass.put(k, v);
            }
        });
        String prefix = p.required(Settings.PROVISIONER_TOPIC_PREFIX);
        if (!prefix.matches("[a-zA-Z0-9._-]{1,200}")) {
            throw new ConfigException(
                    Settings.PROVISIONER_TOPIC_PREFIX.env(),
                    "may hold only letters, digits, '.', '_' and '-', was '" + prefix + "'");
        }
        return new Kafka(
                p.required(Settings.KAFKA_BOOTSTRAP_SERVERS),
                Map.copyOf(pass),
                prefix,
                p.intIn(Settings.PROVISIONER_PARTITIONS, 1, 10_000));
    }

    private static Cdc cdc(Parse p) {
        Map<String, String> tables = new LinkedHashMap<>();
        for (String raw : p.required(Settings.CDC_TABLES).split(",")) {
            String t = raw.trim();
            if (t.isEmpty()) {
                continue;
            }
            String qualified = t.contains(".") ? t : "public." + t;
            String bare = qualified.substring(qualified.indexOf('.') + 1).toLowerCase(Locale.ROOT);
            String type = bare.endsWith("s") ? bare.substring(0, bare.length() - 1) : bare;
            if (!OwnerRef.TYPES.contains(type)) {
                throw new ConfigException(
                        Settings.CDC_TABLES.env(),
                        "table '" + t + "' does not name an owner type (" + OwnerRef.TYPES + ")");
            }
            String other = tables.entrySet().stream()
                    .filter(e -> e.getValue().equals(type) && !e.getKey().equals(qualified))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse(null);
            if (other != null) {
                // a type maps to one table: with two, an owner of either would look deleted to the other
                throw new ConfigException(
                        Settings.CDC_TABLES.env(),
                        "tables '" + other + "' and '" + qualified + "' are both of owner type '" + type
                                + "'; name one table per owner type");
            }
            tables.put(qualified, type);
        }
        if (tables.isEmpty()) {
            throw new ConfigException(Settings.CDC_TABLES.env(), "names no table");
        }
        String slot = p.required(Settings.CDC_SLOT_NAME);
        if (!slot.matches("[a-z0-9_]{1,63}")) {
            throw new ConfigException(
                    Settings.CDC_SLOT_NAME.env(), "must be lower-case letters, digits and '_', at most 63");
        }
        String pub = p.required(Settings.CDC_PUBLICATION);
        if (!pub.matches("[a-zA-Z0-9_]{1,63}")) {
            throw new ConfigException(Settings.CDC_PUBLICATION.env(), "must be letters, digits and '_', at most 63");
        }
        return new Cdc(
                Map.copyOf(tables),
                slot,
                pub,
                p.choice(Settings.CDC_SNAPSHOT_MODE, SnapshotMode.class),
                Duration.ofMillis(p.intIn(Settings.CDC_HEARTBEAT_INTERVAL_MS, 100, 3_600_000)));
    }

    /** True for client settings Kafka declares as passwords, and for anything named like a credential. */
    static boolean isKafkaSecret(String name) {
        for (org.apache.kafka.common.config.ConfigDef def :
                List.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef())) {
            org.apache.kafka.common.config.ConfigDef.ConfigKey key =
                    def.configKeys().get(name);
            if (key != null && key.type == org.apache.kafka.common.config.ConfigDef.Type.PASSWORD) {
                return true;
            }
        }
        return name.contains("password")
                || name.contains("jaas")
                || name.contains("secret")
                || name.contains("key")
                || name.contains("token")
                || name.contains("credential");
    }

    /** Rows for {@code provisioner config}: name, shown value (secrets masked), default, meaning. */
    public static List<List<String>> describe(ConfigSource source) {
        List<List<String>> rows = new ArrayList<>();
        for (Setting s : Settings.ALL) {
            String shown;
            if (!source.isSet(s)) {
                shown = s.defaultValue() == null ? "(not set)" : s.defaultValue() + " (default)";
            } else if (s.secret()) {
                shown = new Secret(source.get(s).orElseThrow()).masked();
            } else if (s == Settings.DATABASE_URL) {
                shown = source.get(s)
                        .orElseThrow()
                        .replaceAll("://([^:/@]*):[^@]*@", "://$1:******@")
                        .replaceAll("(?i)(password=)[^&]*", "$1******");
            } else {
                shown = source.get(s).orElseThrow();
            }
            rows.add(List.of(s.env(), shown, s.defaultValue() == null ? "" : s.defaultValue(), s.doc()));
        }
        source.kafkaPassthrough()
                .forEach((k, v) -> rows.add(List.of(
                        "KAFKA_" + k.toUpperCase(Locale.ROOT).replace('.', '_'),
                        isKafkaSecret(k) ? "******" : v,
                        "",
                        "Kafka client setting " + k)));
        return rows;
    }
}
