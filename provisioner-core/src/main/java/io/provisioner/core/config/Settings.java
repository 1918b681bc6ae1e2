package io.provisioner.core.config;

import java.util.List;

/** Every setting of the provisioner (CONTRACT section 3 plus a few of our own), in display order. */
public final class Settings {

    public static final Setting OPENROUTER_PROVISIONING_KEY = Setting.secret(
            "OPENROUTER_PROVISIONING_KEY",
            "OpenRouter management key, sent as Authorization: Bearer (required by the provisioner)",
            "OPENROUTER_MANAGEMENT_KEY");
    public static final Setting OPENROUTER_BASE_URL =
            Setting.of("OPENROUTER_BASE_URL", "url", "https://openrouter.ai/api/v1", "OpenRouter API base");
    public static final Setting OR_HTTP_TIMEOUT_MS = Setting.of(
            "OR_HTTP_TIMEOUT_MS",
            "int",
            "30000",
            "timeout of one OpenRouter call, connect to last byte (ms, 100 to 600000)");
    public static final Setting DATABASE_URL = Setting.of(
            "DATABASE_URL", "url", null, "postgresql://user:pass@host:port/db or jdbc:postgresql://... (required)");
    public static final Setting DATABASE_USER =
            Setting.of("DATABASE_USER", "string", null, "database user; overrides the one in DATABASE_URL");
    public static final Setting DATABASE_PASSWORD =
            Setting.secret("DATABASE_PASSWORD", "database password; overrides the one in DATABASE_URL");
    public static final Setting KAFKA_BOOTSTRAP_SERVERS = Setting.of(
            "KAFKA_BOOTSTRAP_SERVERS",
            "string",
            "localhost:9092",
            "Kafka brokers; other KAFKA_<CLIENT_SETTING> variables pass through (KAFKA_SECURITY_PROTOCOL -> security.protocol)");
    public static final Setting PROVISIONER_TOPIC_PREFIX =
            Setting.of("PROVISIONER_TOPIC_PREFIX", "string", "provisioning", "prefix of every topic name");
    public static final Setting PROVISIONER_ENCRYPTION_KEY = Setting.secret(
            "PROVISIONER_ENCRYPTION_KEY",
            "base64 of 32 random bytes: AES-256-GCM key of stored keys (required by the provisioner; run refuses"
                    + " the compose demo's published key unless the management key is the simulator's)");
    public static final Setting PROVISIONER_ENCRYPTION_KEY_OLD =
            Setting.secret("PROVISIONER_ENCRYPTION_KEY_OLD", "the previous encryption key, for rotate-encryption-key");
    public static final Setting OR_DELAY_MS = Setting.of(
            "OR_DELAY_MS",
            "int",
            "1100",
            "minimum spacing of OpenRouter calls (ms, 1 to 3600000); the rate is 1000 / OR_DELAY_MS per second");
    public static final Setting OR_RATE_PER_SEC = Setting.of(
            "OR_RATE_PER_SEC", "decimal", null, "calls per second (1/3600 to 10000); overrides OR_DELAY_MS when set");
    public static final Setting OR_RATE_LIMITER = Setting.of(
            "OR_RATE_LIMITER",
            "postgres|local",
            "postgres",
            "postgres: one bucket shared by every instance (Bucket4j PostgreSQL); local: per process");
    public static final Setting OR_BATCH_SIZE = Setting.of(
            "OR_BATCH_SIZE", "int", "5", "most records taken per poll and in flight per instance (1 to 10000)");
    public static final Setting OR_MAX_ATTEMPTS = Setting.of(
            "OR_MAX_ATTEMPTS",
            "int",
            "8",
            "total attempts, the first included (1 to 50); the last failing goes to the DLT");
    public static final Setting OR_BACKOFF_INITIAL_MS =
            Setting.of("OR_BACKOFF_INITIAL_MS", "int", "30000", "delay of retry topic 1 (ms, at least 1)");
    public static final Setting OR_BACKOFF_MULTIPLIER = Setting.of(
            "OR_BACKOFF_MULTIPLIER", "decimal", "2", "growth of the delay from one retry topic to the next (1 to 100)");
    public static final Setting OR_BACKOFF_MAX_MS = Setting.of(
            "OR_BACKOFF_MAX_MS",
            "int",
            "3600000",
            "longest delay of any retry topic (ms, at least OR_BACKOFF_INITIAL_MS)");
    public static final Setting OR_MAX_RETRY_AFTER = Setting.of(
            "OR_MAX_RETRY_AFTER",
            "duration",
            "1h",
            "longest Retry-After honoured for the request that got it (1s to 1d); a longer one is cut to it, with a"
                    + " WARN; other calls pause at most min(OR_BACKOFF_MAX_MS, 60s) for it");
    public static final Setting OR_ORG_LIMIT = Setting.of(
            "OR_ORG_LIMIT",
            "decimal",
            "200",
            "spending cap of an organization's key (US dollars, 0.0001 to 1e9, 4 decimals at most)");
    public static final Setting OR_TEACHER_LIMIT = Setting.of(
            "OR_TEACHER_LIMIT",
            "decimal",
            "50",
            "spending cap of a teacher's key (US dollars, 0.0001 to 1e9, 4 decimals at most)");
    public static final Setting OR_LIMIT_RESET =
            Setting.of("OR_LIMIT_RESET", "daily|weekly|monthly|none", "daily", "when the spending cap resets");
    public static final Setting CDC_TABLES = Setting.of(
            "CDC_TABLES",
            "list",
            "public.organizations,public.teachers",
            "captured tables, one per owner type; owner type = singular of the table name");
    public static final Setting CDC_SLOT_NAME =
            Setting.of("CDC_SLOT_NAME", "string", "provisioner", "logical replication slot");
    public static final Setting CDC_PUBLICATION =
            Setting.of("CDC_PUBLICATION", "string", "provisioner_pub", "publication of the captured tables");
    public static final Setting CDC_SNAPSHOT_MODE = Setting.of(
            "CDC_SNAPSHOT_MODE",
            "initial|no_data",
            "initial",
            "initial: also provision rows that existed before the first start; no_data: only new rows");
    public static final Setting CDC_HEARTBEAT_INTERVAL_MS = Setting.of(
            "CDC_HEARTBEAT_INTERVAL_MS",
            "int",
            "10000",
            "heartbeat that keeps an idle slot from pinning WAL (ms, 100 to 3600000)");
    public static final Setting PROVISIONER_HTTP_PORT =
            Setting.of("PROVISIONER_HTTP_PORT", "int", "8080", "port of /metrics and /health; 0 picks a free one");
    public static final Setting PROVISIONER_HTTP_BIND =
            Setting.of("PROVISIONER_HTTP_BIND", "string", "127.0.0.1", "address of /metrics and /health");
    public static final Setting PROVISIONER_PARTITIONS = Setting.of(
            "PROVISIONER_PARTITIONS",
            "int",
            "6",
            "partitions of the topics it creates (1 to 10000); the ceiling on parallel provisioners");
    public static final Setting PROVISIONER_SWEEP_INTERVAL = Setting.of(
            "PROVISIONER_SWEEP_INTERVAL",
            "duration",
            "10m",
            "how often owners without a key, keys without an owner, orphan keys and stuck jobs are looked for"
                    + " (100ms to 7d; 0 turns it off); orphan keys among those created since the last pass, and in"
                    + " the whole account once a day");
    public static final Setting PROVISIONER_ORPHAN_GRACE = Setting.of(
            "PROVISIONER_ORPHAN_GRACE",
            "duration",
            "10m",
            "a key named like ours that is not stored is deleted once older than this and no create is in flight"
                    + " for its owner; must exceed OR_HTTP_TIMEOUT_MS, at most 30d");
    public static final Setting PROVISIONER_DLT_RETENTION = Setting.of(
            "PROVISIONER_DLT_RETENTION",
            "duration|-1",
            "-1",
            "retention.ms of the DLT it creates (1m to 3650d); -1 keeps dead letters until they are replayed");
    public static final Setting OR_KEY_NAME_PREFIX = Setting.of(
            "OR_KEY_NAME_PREFIX",
            "string",
            "",
            "prefix of every key name, so pipelines sharing one OpenRouter account never touch each other's keys");
    public static final Setting PROVISIONER_STATE_DIR = Setting.of(
            "PROVISIONER_STATE_DIR",
            "path",
            null,
            "Kafka Streams state directory (default: a folder in java.io.tmpdir)");
    public static final Setting LOG_FORMAT =
            Setting.of("LOG_FORMAT", "text|json", "text", "text, or json with one object per line");

    public static final Setting PROVISIONER_LOG_LEVEL = Setting.of(
            "PROVISIONER_LOG_LEVEL", "trace|debug|info|warn|error", "info", "level of the provisioner's own log lines");

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
            CDC_TABLES,
            CDC_SLOT_NAME,
            CDC_PUBLICATION,
            CDC_SNAPSHOT_MODE,
            CDC_HEARTBEAT_INTERVAL_MS,
            PROVISIONER_HTTP_PORT,
            PROVISIONER_HTTP_BIND,
            PROVISIONER_PARTITIONS,
            PROVISIONER_SWEEP_INTERVAL,
            PROVISIONER_ORPHAN_GRACE,
            PROVISIONER_DLT_RETENTION,
            OR_KEY_NAME_PREFIX,
            PROVISIONER_STATE_DIR,
            LOG_FORMAT,
            PROVISIONER_LOG_LEVEL);

    private Settings() {}
}
