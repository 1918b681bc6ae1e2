package io.provisioner.core.config;

import static io.provisioner.core.config.Setting.Importance.HIGH;
import static io.provisioner.core.config.Setting.Importance.LOW;
import static io.provisioner.core.config.Setting.Importance.MEDIUM;
import static io.provisioner.core.config.Setting.Type.CHOICE;
import static io.provisioner.core.config.Setting.Type.DECIMAL;
import static io.provisioner.core.config.Setting.Type.DURATION;
import static io.provisioner.core.config.Setting.Type.INT;
import static io.provisioner.core.config.Setting.Type.LIST;
import static io.provisioner.core.config.Setting.Type.PATH;
import static io.provisioner.core.config.Setting.Type.SECRET;
import static io.provisioner.core.config.Setting.Type.STRING;
import static io.provisioner.core.config.Setting.Type.URL;
import static io.provisioner.core.config.Setting.define;

import io.provisioner.core.config.ProvisionerConfig.LogFormat;
import io.provisioner.core.config.ProvisionerConfig.LogLevel;
import io.provisioner.core.config.ProvisionerConfig.RateLimiterKind;
import io.provisioner.core.config.ProvisionerConfig.SnapshotMode;
import io.provisioner.core.ports.LimitReset;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/**
 * Every setting of the provisioner (CONTRACT section 3 plus a few of our own), in display order, each
 * declared once: name, type, default, validator, importance and meaning. A range or a list of choices is
 * written here only; {@link ProvisionerConfig#from} reads every value through its declaration and
 * {@code provisioner config} prints the declaration's {@link Setting#rule}.
 */
public final class Settings {

    public static final Setting OPENROUTER_PROVISIONING_KEY = define(
                    "OPENROUTER_PROVISIONING_KEY",
                    SECRET,
                    null,
                    HIGH,
                    "OpenRouter management key, sent as Authorization: Bearer (required by the provisioner)")
            .withAliases("OPENROUTER_MANAGEMENT_KEY");
    public static final Setting OPENROUTER_BASE_URL = define(
            "OPENROUTER_BASE_URL",
            URL,
            "https://openrouter.ai/api/v1",
            Validator.httpUrl(),
            MEDIUM,
            "OpenRouter API base");
    public static final Setting OR_HTTP_TIMEOUT_MS = define(
            "OR_HTTP_TIMEOUT_MS",
            INT,
            "30000",
            Validator.between(100, 600_000),
            MEDIUM,
            "timeout of one OpenRouter call, connect to last byte, in ms");
    public static final Setting DATABASE_URL = define(
            "DATABASE_URL", URL, null, HIGH, "postgresql://user:pass@host:port/db or jdbc:postgresql://... (required)");
    public static final Setting DATABASE_USER =
            define("DATABASE_USER", STRING, null, MEDIUM, "database user; overrides the one in DATABASE_URL");
    public static final Setting DATABASE_PASSWORD =
            define("DATABASE_PASSWORD", SECRET, null, MEDIUM, "database password; overrides the one in DATABASE_URL");
    public static final Setting KAFKA_BOOTSTRAP_SERVERS = define(
            "KAFKA_BOOTSTRAP_SERVERS",
            STRING,
            "localhost:9092",
            HIGH,
            "Kafka brokers; other KAFKA_<CLIENT_SETTING> variables pass through (KAFKA_SECURITY_PROTOCOL -> security.protocol)");
    public static final Setting PROVISIONER_TOPIC_PREFIX = define(
            "PROVISIONER_TOPIC_PREFIX",
            STRING,
            "provisioning",
            Validator.matching("[a-zA-Z0-9._-]{1,200}", "1 to 200 letters, digits, '.', '_' or '-'"),
            MEDIUM,
            "prefix of every topic name");
    public static final Setting PROVISIONER_ENCRYPTION_KEY = define(
            "PROVISIONER_ENCRYPTION_KEY",
            SECRET,
            null,
            HIGH,
            "base64 of 32 random bytes: AES-256-GCM key of stored keys (required by the provisioner; run refuses"
                    + " the compose demo's published key unless the management key is the simulator's)");
    public static final Setting PROVISIONER_ENCRYPTION_KEY_OLD = define(
            "PROVISIONER_ENCRYPTION_KEY_OLD",
            SECRET,
            null,
            LOW,
            "the previous encryption key, for rotate-encryption-key");
    /** The slowest pace either OR_DELAY_MS or OR_RATE_PER_SEC may set: one call an hour. */
    private static final Duration SLOWEST_PACE = Duration.ofHours(1);

    public static final Setting OR_DELAY_MS = define(
            "OR_DELAY_MS",
            INT,
            "1100",
            Validator.between(1, (int) SLOWEST_PACE.toMillis()),
            HIGH,
            "minimum spacing of OpenRouter calls, in ms; the rate is 1000 / OR_DELAY_MS per second");
    public static final Setting OR_RATE_PER_SEC = define(
            "OR_RATE_PER_SEC",
            DECIMAL,
            null,
            Validator.all(
                    Validator.between(
                            BigDecimal.ONE.divide(BigDecimal.valueOf(SLOWEST_PACE.toSeconds()), 9, RoundingMode.UP),
                            BigDecimal.valueOf(10_000)),
                    Validator.maxDecimals(9)),
            HIGH,
            "calls per second; overrides OR_DELAY_MS when set");
    public static final Setting OR_RATE_LIMITER = define(
            "OR_RATE_LIMITER",
            CHOICE,
            "postgres",
            Validator.oneOf(RateLimiterKind.class),
            MEDIUM,
            "postgres: one bucket shared by every instance (Bucket4j PostgreSQL); local: per process (rotate-keys refuses it)");
    public static final Setting OR_BATCH_SIZE = define(
            "OR_BATCH_SIZE",
            INT,
            "5",
            Validator.between(1, 10_000),
            MEDIUM,
            "most records taken per poll and in flight per instance");
    public static final Setting OR_MAX_ATTEMPTS = define(
            "OR_MAX_ATTEMPTS",
            INT,
            "8",
            Validator.between(1, 50),
            MEDIUM,
            "total attempts, the first included; the last failing goes to the DLT");
    public static final Setting OR_BACKOFF_INITIAL_MS = define(
            "OR_BACKOFF_INITIAL_MS", INT, "30000", Validator.atLeast(1), MEDIUM, "delay of retry topic 1, in ms");
    public static final Setting OR_BACKOFF_MULTIPLIER = define(
            "OR_BACKOFF_MULTIPLIER",
            DECIMAL,
            "2",
            Validator.all(Validator.between(BigDecimal.ONE, BigDecimal.valueOf(100)), Validator.maxDecimals(6)),
            MEDIUM,
            "growth of the delay from one retry topic to the next");
    public static final Setting OR_BACKOFF_MAX_MS = define(
            "OR_BACKOFF_MAX_MS",
            INT,
            "3600000",
            Validator.atLeast(1),
            MEDIUM,
            "longest delay of any retry topic, in ms; not less than OR_BACKOFF_INITIAL_MS");
    public static final Setting OR_MAX_RETRY_AFTER = define(
            "OR_MAX_RETRY_AFTER",
            DURATION,
            "1h",
            Validator.between(Duration.ofSeconds(1), Duration.ofDays(1)),
            MEDIUM,
            "longest Retry-After honoured for the request that got it; a longer one is cut to it, with a WARN;"
                    + " other calls pause at most min(OR_BACKOFF_MAX_MS, 60s) for it");

    /** A spending cap: more than zero, at most a billion US dollars, in hundredths of a cent at most. */
    private static final Validator SPENDING_CAP = Validator.all(
            Validator.between(new BigDecimal("0.0001"), new BigDecimal("1000000000")), Validator.maxDecimals(4));

    public static final Setting OR_ORG_LIMIT = define(
            "OR_ORG_LIMIT", DECIMAL, "200", SPENDING_CAP, HIGH, "spending cap of an organization's key, in US dollars");
    public static final Setting OR_TEACHER_LIMIT = define(
            "OR_TEACHER_LIMIT", DECIMAL, "50", SPENDING_CAP, HIGH, "spending cap of a teacher's key, in US dollars");
    public static final Setting OR_LIMIT_RESET = define(
            "OR_LIMIT_RESET",
            CHOICE,
            "daily",
            Validator.oneOf(LimitReset.class),
            MEDIUM,
            "when the spending cap resets");
    /** An OpenRouter guardrail id: a UUID, as {@code GET /guardrails} lists it. */
    private static final Validator GUARDRAIL_ID = Validator.matching(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "an OpenRouter guardrail id (a UUID)");

    public static final Setting OR_ORG_GUARDRAIL_ID = define(
            "OR_ORG_GUARDRAIL_ID",
            STRING,
            null,
            GUARDRAIL_ID,
            MEDIUM,
            "OpenRouter guardrail every organization's key is assigned to (unset: none); checked at start");
    public static final Setting OR_TEACHER_GUARDRAIL_ID = define(
            "OR_TEACHER_GUARDRAIL_ID",
            STRING,
            null,
            GUARDRAIL_ID,
            MEDIUM,
            "OpenRouter guardrail every teacher's key is assigned to (unset: none); checked at start");
    public static final Setting CDC_TABLES = define(
            "CDC_TABLES",
            LIST,
            "public.organizations,public.teachers",
            MEDIUM,
            "captured tables, one per owner type; owner type = singular of the table name");
    public static final Setting CDC_SLOT_NAME = define(
            "CDC_SLOT_NAME",
            STRING,
            "provisioner",
            Validator.matching("[a-z0-9_]{1,63}", "1 to 63 lower-case letters, digits or '_'"),
            MEDIUM,
            "logical replication slot");
    public static final Setting CDC_PUBLICATION = define(
            "CDC_PUBLICATION",
            STRING,
            "provisioner_pub",
            Validator.matching("[a-zA-Z0-9_]{1,63}", "1 to 63 letters, digits or '_'"),
            MEDIUM,
            "publication of the captured tables");
    public static final Setting CDC_SNAPSHOT_MODE = define(
            "CDC_SNAPSHOT_MODE",
            CHOICE,
            "initial",
            Validator.oneOf(SnapshotMode.class),
            MEDIUM,
            "initial: also provision rows that existed before the first start; no_data: only new rows");
    public static final Setting CDC_HEARTBEAT_INTERVAL_MS = define(
            "CDC_HEARTBEAT_INTERVAL_MS",
            INT,
            "10000",
            Validator.between(100, 3_600_000),
            LOW,
            "heartbeat that keeps an idle slot from pinning WAL, in ms");
    public static final Setting CDC_CONNECT_URL = define(
            "CDC_CONNECT_URL",
            URL,
            null,
            Validator.httpUrl(),
            MEDIUM,
            "Kafka Connect REST URL when CDC runs on Connect (connector provisioner-cdc, or end it in"
                    + " /connectors/<name>): run leaves cdc out by default, and status, lag, /health and the"
                    + " metrics cover the connector");
    public static final Setting PROVISIONER_HTTP_PORT = define(
            "PROVISIONER_HTTP_PORT",
            INT,
            "8080",
            Validator.between(0, 65_535),
            LOW,
            "port of /metrics and /health; 0 picks a free one");
    public static final Setting PROVISIONER_HTTP_BIND =
            define("PROVISIONER_HTTP_BIND", STRING, "127.0.0.1", LOW, "address of /metrics and /health");
    public static final Setting PROVISIONER_PARTITIONS = define(
            "PROVISIONER_PARTITIONS",
            INT,
            "6",
            Validator.between(1, 10_000),
            MEDIUM,
            "partitions of the topics it creates; the ceiling on parallel provisioners");
    public static final Setting PROVISIONER_SWEEP_INTERVAL = define(
            "PROVISIONER_SWEEP_INTERVAL",
            DURATION,
            "10m",
            Validator.between(Duration.ofMillis(100), Duration.ofDays(7)).orZero(),
            MEDIUM,
            "how often owners without a key, keys without an owner, orphan keys and stuck jobs are looked for"
                    + " (0 turns it off); orphan keys among those created since the last pass, and in the whole"
                    + " account once a day");
    public static final Setting PROVISIONER_USAGE_SYNC_INTERVAL = define(
            "PROVISIONER_USAGE_SYNC_INTERVAL",
            DURATION,
            "1h",
            Validator.between(Duration.ofMillis(100), Duration.ofDays(7)).orZero(),
            MEDIUM,
            "how often each key's usage, limit and guardrail are read back into ai_provider_keys (GET /keys and"
                    + " GET /guardrails/assignments/keys, every page, within a tenth"
                    + " of the rate; run by the instance that leads the sweep); 0 turns it off");
    public static final Setting PROVISIONER_ORPHAN_GRACE = define(
            "PROVISIONER_ORPHAN_GRACE",
            DURATION,
            "10m",
            Validator.between(Duration.ofMillis(1), Duration.ofDays(30)),
            MEDIUM,
            "a key named like ours that is not stored is deleted once older than this and no create is in flight"
                    + " for its owner; must exceed OR_HTTP_TIMEOUT_MS");
    public static final Setting PROVISIONER_DLT_RETENTION = define(
                    "PROVISIONER_DLT_RETENTION",
                    DURATION,
                    "-1",
                    Validator.between(Duration.ofMinutes(1), Duration.ofDays(3650)),
                    LOW,
                    "retention.ms of the DLT it creates; -1 keeps dead letters until they are replayed")
            .orNone("-1");
    public static final Setting OR_KEY_NAME_PREFIX = define(
            "OR_KEY_NAME_PREFIX",
            STRING,
            "",
            Validator.matching("[\\x20-\\x7e]{0,64}", "at most 64 printable ASCII characters"),
            MEDIUM,
            "prefix of every key name, so pipelines sharing one OpenRouter account never touch each other's keys");
    public static final Setting PROVISIONER_STATE_DIR = define(
            "PROVISIONER_STATE_DIR",
            PATH,
            null,
            LOW,
            "Kafka Streams state directory (default: a folder in java.io.tmpdir)");
    public static final Setting LOG_FORMAT = define(
            "LOG_FORMAT",
            CHOICE,
            "text",
            Validator.oneOf(LogFormat.class),
            LOW,
            "text, or json with one object per line");

    public static final Setting PROVISIONER_LOG_LEVEL = define(
            "PROVISIONER_LOG_LEVEL",
            CHOICE,
            "info",
            Validator.oneOf(LogLevel.class),
            LOW,
            "level of the provisioner's own log lines");

    public static final List<Setting> ALL = List.of(
            OPENROUTER_PROVISIONING_KEY,
            OPENROUTER_BASE_URL,
            OR_HTTP_TIMEOUT_MS,
            DATABASE_URL,
            DATABASE_USER,
            DATABASE_PASSWORD,
            KAFKA_BOOTSTRAP_SERVERS,
            PROVISIONER_TOPIC_PREFIX,
            PROVISIONER_ENCRYPTION_KEY,
            PROVISIONER_ENCRYPTION_KEY_OLD,
            OR_DELAY_MS,
            OR_RATE_PER_SEC,
            OR_RATE_LIMITER,
            OR_BATCH_SIZE,
            OR_MAX_ATTEMPTS,
            OR_BACKOFF_INITIAL_MS,
            OR_BACKOFF_MULTIPLIER,
            OR_BACKOFF_MAX_MS,
            OR_MAX_RETRY_AFTER,
            OR_ORG_LIMIT,
            OR_TEACHER_LIMIT,
            OR_LIMIT_RESET,
            OR_ORG_GUARDRAIL_ID,
            OR_TEACHER_GUARDRAIL_ID,
            CDC_TABLES,
            CDC_SLOT_NAME,
            CDC_PUBLICATION,
            CDC_SNAPSHOT_MODE,
            CDC_HEARTBEAT_INTERVAL_MS,
            CDC_CONNECT_URL,
            PROVISIONER_HTTP_PORT,
            PROVISIONER_HTTP_BIND,
            PROVISIONER_PARTITIONS,
            PROVISIONER_SWEEP_INTERVAL,
            PROVISIONER_USAGE_SYNC_INTERVAL,
            PROVISIONER_ORPHAN_GRACE,
            PROVISIONER_DLT_RETENTION,
            OR_KEY_NAME_PREFIX,
            PROVISIONER_STATE_DIR,
            LOG_FORMAT,
            PROVISIONER_LOG_LEVEL);

    private Settings() {}
}
