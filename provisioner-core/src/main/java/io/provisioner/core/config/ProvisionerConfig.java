package io.provisioner.core.config;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.DesiredKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyPolicy;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.secret.Secret;
import io.provisioner.core.topics.Topics;
import java.math.BigDecimal;
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
        LogLevel logLevel,
        Duration usageSyncInterval) {

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

    /**
     * The spending cap each owner type's key gets, and the OpenRouter guardrail it is assigned to
     * ({@code OR_ORG_GUARDRAIL_ID} / {@code OR_TEACHER_GUARDRAIL_ID}; empty for none).
     */
    public record Limits(
            KeyLimits organization,
            KeyLimits teacher,
            Optional<String> organizationGuardrail,
            Optional<String> teacherGuardrail) {

        public Limits {
            java.util.Objects.requireNonNull(organizationGuardrail, "organizationGuardrail");
            java.util.Objects.requireNonNull(teacherGuardrail, "teacherGuardrail");
        }

        /** Limits without guardrails. */
        public Limits(KeyLimits organization, KeyLimits teacher) {
            this(organization, teacher, Optional.empty(), Optional.empty());
        }

        public KeyLimits forOwnerType(String ownerType) {
            return OwnerRef.TEACHER.equals(ownerType) ? teacher : organization;
        }

        /** The guardrail of the owner type's keys; empty for none. */
        public Optional<String> guardrailFor(String ownerType) {
            return OwnerRef.TEACHER.equals(ownerType) ? teacherGuardrail : organizationGuardrail;
        }

        /** The owner type's settings, overridden by each non-null value of the owner's {@code policy}. */
        public DesiredKey desired(String ownerType, KeyPolicy policy) {
            KeyLimits defaults = forOwnerType(ownerType);
            KeyLimits limits = new KeyLimits(
                    policy.limitUsd() == null ? defaults.limit() : policy.limitUsd(),
                    policy.limitReset() == null ? defaults.reset() : policy.limitReset());
            // guardrail ids are UUIDs: one spelling, as OpenRouter lists them, so that what the usage sync reads
            // back compares equal with what was set
            Optional<String> guardrail =
                    policy.guardrailId() == null ? guardrailFor(ownerType) : Optional.of(policy.guardrailId());
            return new DesiredKey(limits, guardrail.map(id -> id.toLowerCase(java.util.Locale.ROOT)));
        }

        /** Each configured guardrail id with the setting that names it, for the start-up check. */
        public Map<Setting, String> guardrailSettings() {
            Map<Setting, String> out = new LinkedHashMap<>();
            organizationGuardrail.ifPresent(id -> out.put(Settings.OR_ORG_GUARDRAIL_ID, id));
            teacherGuardrail.ifPresent(id -> out.put(Settings.OR_TEACHER_GUARDRAIL_ID, id));
            return out;
        }
    }

    /**
     * What cdc-bridge captures.
     *
     * @param tables schema-qualified table name to owner type (singular of the table name)
     * @param connectUrl Kafka Connect's REST URL when CDC runs on Connect ({@code CDC_CONNECT_URL})
     */
    public record Cdc(
            Map<String, String> tables,
            String slotName,
            String publication,
            SnapshotMode snapshotMode,
            Duration heartbeatInterval,
            Optional<String> connectUrl) {

        /** The schema of the source tables, where the provisioner's own objects live too (CONTRACT section 4). */
        public String schema() {
            return schemaOf(tables);
        }

        /**
         * The schema-qualified {@code ai_key_policies}, captured beside {@code CDC_TABLES}: a change of an
         * owner's policy is a request for that owner.
         */
        public String policiesTable() {
            return policiesTable(tables);
        }

        /** {@link #policiesTable()} for a {@link #ownerTypes} map, as the Kafka Connect transform reads it. */
        public static String policiesTable(Map<String, String> tables) {
            return schemaOf(tables) + "." + KeyPolicy.TABLE;
        }

        private static String schemaOf(Map<String, String> tables) {
            String first = tables.keySet().stream().sorted().findFirst().orElse("public.organizations");
            return first.substring(0, first.indexOf('.'));
        }

        /** Owner type to schema-qualified table: the inverse of {@code CDC_TABLES}. */
        public Map<String, String> ownerTables() {
            Map<String, String> out = new java.util.LinkedHashMap<>();
            tables.forEach((table, type) -> out.put(type, table));
            return out;
        }

        /**
         * Schema-qualified table to owner type for a {@code CDC_TABLES} list: a bare name is in {@code public},
         * the owner type is the singular of the table name, one table per owner type. Shared with the Kafka
         * Connect transform, whose {@code tables} setting reads the same way.
         *
         * @param setting the name a {@link ConfigException} gives for the list
         */
        public static Map<String, String> ownerTypes(List<String> list, String setting) {
            Map<String, String> tables = new LinkedHashMap<>();
            for (String t : list) {
                String qualified = t.contains(".") ? t : "public." + t;
                String bare = qualified.substring(qualified.indexOf('.') + 1).toLowerCase(Locale.ROOT);
                String type = bare.endsWith("s") ? bare.substring(0, bare.length() - 1) : bare;
                if (!OwnerRef.TYPES.contains(type)) {
                    throw new ConfigException(
                            setting, "table '" + t + "' does not name an owner type (" + OwnerRef.TYPES + ")");
                }
                String other = tables.entrySet().stream()
                        .filter(e -> e.getValue().equals(type) && !e.getKey().equals(qualified))
                        .map(Map.Entry::getKey)
                        .findFirst()
                        .orElse(null);
                if (other != null) {
                    // a type maps to one table: with two, an owner of either would look deleted to the other
                    throw new ConfigException(
                            setting,
                            "tables '" + other + "' and '" + qualified + "' are both of owner type '" + type
                                    + "'; name one table per owner type");
                }
                tables.put(qualified, type);
            }
            if (tables.isEmpty()) {
                throw new ConfigException(setting, "names no table");
            }
            return tables;
        }
    }

    public record Http(String bind, int port) {}

    /** Reads the environment. */
    public static ProvisionerConfig fromEnvironment() {
        return from(ConfigSource.fromEnvironment());
    }

    /** Reads every setting through its declaration in {@link Settings}. */
    public static ProvisionerConfig from(ConfigSource source) {
        Parse p = new Parse(source);
        int maxAttempts = p.integer(Settings.OR_MAX_ATTEMPTS);
        Duration initial = Duration.ofMillis(p.integer(Settings.OR_BACKOFF_INITIAL_MS));
        Duration max = Duration.ofMillis(p.integer(Settings.OR_BACKOFF_MAX_MS));
        double multiplier =
                p.decimal(Settings.OR_BACKOFF_MULTIPLIER).orElseThrow().doubleValue();
        if (max.compareTo(initial) < 0) {
            throw new ConfigException(Settings.OR_BACKOFF_MAX_MS.env(), "must not be less than OR_BACKOFF_INITIAL_MS");
        }
        Optional<Secret> encryptionKey = p.secret(Settings.PROVISIONER_ENCRYPTION_KEY);
        encryptionKey.ifPresent(k -> cipher(Settings.PROVISIONER_ENCRYPTION_KEY, k));
        Optional<Secret> encryptionKeyOld = p.secret(Settings.PROVISIONER_ENCRYPTION_KEY_OLD);
        encryptionKeyOld.ifPresent(k -> cipher(Settings.PROVISIONER_ENCRYPTION_KEY_OLD, k));
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
                        p.integer(Settings.OR_BATCH_SIZE)),
                new RetryPolicy(maxAttempts, initial, multiplier, max, p.duration(Settings.OR_MAX_RETRY_AFTER)),
                new Limits(
                        new KeyLimits(p.decimal(Settings.OR_ORG_LIMIT).orElseThrow(), reset),
                        new KeyLimits(p.decimal(Settings.OR_TEACHER_LIMIT).orElseThrow(), reset),
                        p.string(Settings.OR_ORG_GUARDRAIL_ID),
                        p.string(Settings.OR_TEACHER_GUARDRAIL_ID)),
                cdc(p),
                new Http(p.required(Settings.PROVISIONER_HTTP_BIND), p.integer(Settings.PROVISIONER_HTTP_PORT)),
                p.duration(Settings.PROVISIONER_SWEEP_INTERVAL),
                orphanGrace(p, openRouter),
                p.durationOrNone(Settings.PROVISIONER_DLT_RETENTION),
                new KeyNames(p.string(Settings.OR_KEY_NAME_PREFIX).orElse("")),
                p.path(Settings.PROVISIONER_STATE_DIR)
                        .orElse(Path.of(System.getProperty("java.io.tmpdir"), "provisioner-streams")),
                p.choice(Settings.LOG_FORMAT, LogFormat.class),
                p.choice(Settings.PROVISIONER_LOG_LEVEL, LogLevel.class),
                p.duration(Settings.PROVISIONER_USAGE_SYNC_INTERVAL));
    }

    public Topics topics() {
        return new Topics(kafka.topicPrefix(), retry.maxAttempts(), dltRetention, retry::tierDelay);
    }

    public DatabaseConfig requireDatabase() {
        return database.orElseThrow(() -> new ConfigException(Settings.DATABASE_URL.env(), "is required but not set"));
    }

    public KeyCipher requireCipher() {
        return cipher(
                Settings.PROVISIONER_ENCRYPTION_KEY,
                encryptionKey.orElseThrow(() -> new ConfigException(
                        Settings.PROVISIONER_ENCRYPTION_KEY.env(), "is required by the provisioner but not set")));
    }

    /** The cipher of {@code PROVISIONER_ENCRYPTION_KEY_OLD}, which {@code rotate-encryption-key} reads with. */
    public KeyCipher requireOldCipher() {
        return cipher(
                Settings.PROVISIONER_ENCRYPTION_KEY_OLD,
                encryptionKeyOld.orElseThrow(() -> new ConfigException(
                        Settings.PROVISIONER_ENCRYPTION_KEY_OLD.env(),
                        "is required by rotate-encryption-key but not set")));
    }

    /** @throws ConfigException naming {@code setting} when the key is not base64 of 32 bytes */
    private static KeyCipher cipher(Setting setting, Secret key) {
        try {
            return KeyCipher.fromBase64(key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(setting.env(), e.getMessage());
        }
    }

    /** Both are checked, though OR_RATE_PER_SEC wins when set. */
    private static double rate(Parse p) {
        int delayMs = p.integer(Settings.OR_DELAY_MS);
        return p.decimal(Settings.OR_RATE_PER_SEC).map(BigDecimal::doubleValue).orElse(1000.0 / delayMs);
    }

    private static Duration orphanGrace(Parse p, OpenRouterConfig openRouter) {
        Duration grace = p.duration(Settings.PROVISIONER_ORPHAN_GRACE);
        if (grace.compareTo(openRouter.callTimeout()) <= 0) {
            throw new ConfigException(
                    Settings.PROVISIONER_ORPHAN_GRACE.env(),
                    "must exceed OR_HTTP_TIMEOUT_MS ("
                            + openRouter.callTimeout().toMillis() + " ms), was " + Durations.format(grace));
        }
        return grace;
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
        return new Kafka(
                p.required(Settings.KAFKA_BOOTSTRAP_SERVERS),
                Map.copyOf(pass),
                p.required(Settings.PROVISIONER_TOPIC_PREFIX),
                p.integer(Settings.PROVISIONER_PARTITIONS));
    }

    private static Cdc cdc(Parse p) {
        Map<String, String> tables = Cdc.ownerTypes(p.list(Settings.CDC_TABLES), Settings.CDC_TABLES.env());
        return new Cdc(
                Map.copyOf(tables),
                p.required(Settings.CDC_SLOT_NAME),
                p.required(Settings.CDC_PUBLICATION),
                p.choice(Settings.CDC_SNAPSHOT_MODE, SnapshotMode.class),
                Duration.ofMillis(p.integer(Settings.CDC_HEARTBEAT_INTERVAL_MS)),
                p.string(Settings.CDC_CONNECT_URL));
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

    /**
     * One line of {@code provisioner config}.
     *
     * @param shown the value as it may be shown (secrets masked), or the default, or {@code (not set)}
     * @param defaultValue the default, or empty
     * @param rule what the setting accepts, from its declaration; empty for a Kafka client setting
     */
    public record Described(String name, String shown, String defaultValue, String meaning, String rule) {}

    /** Every setting in display order, then the Kafka client settings given. */
    public static List<Described> describe(ConfigSource source) {
        List<Described> rows = new ArrayList<>();
        for (Setting s : Settings.ALL) {
            String shown;
            if (source.isSet(s)) {
                shown = s.shown(source.get(s).orElseThrow());
            } else {
                shown = s.defaultValue() == null ? "(not set)" : s.defaultValue() + " (default)";
            }
            rows.add(
                    new Described(s.env(), shown, s.defaultValue() == null ? "" : s.defaultValue(), s.doc(), s.rule()));
        }
        source.kafkaPassthrough()
                .forEach((k, v) -> rows.add(new Described(
                        "KAFKA_" + k.toUpperCase(Locale.ROOT).replace('.', '_'),
                        isKafkaSecret(k) ? "******" : v,
                        "",
                        "Kafka client setting " + k,
                        "")));
        return rows;
    }
}
