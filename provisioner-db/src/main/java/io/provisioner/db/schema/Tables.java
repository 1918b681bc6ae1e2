package io.provisioner.db.schema;

/**
 * The one place that names the provisioner's own tables and view: those of CONTRACT section 4 and its
 * internal ones, all in the configured schema (the Flyway migrations create them under these names). SQL
 * builds on {@link #qualified}.
 */
public final class Tables {

    /** One row per owner: its job's status, attempts and last error (CONTRACT section 4). */
    public static final String JOBS = "ai_key_provision_jobs";

    /** The stored keys, the secret encrypted (CONTRACT section 4). */
    public static final String KEYS = "ai_provider_keys";

    /** Every column of {@link #KEYS} except {@code encrypted_key} (CONTRACT section 4). */
    public static final String KEYS_PUBLIC_VIEW = "v_ai_provider_keys_public";

    /** Per-owner key policy: limit, reset, guardrail; null columns mean the type's default (CONTRACT section 4). */
    public static final String POLICIES = io.provisioner.core.ports.KeyPolicy.TABLE;

    /** The shared rate limiter's Bucket4j bucket and adaptive rate. */
    public static final String RATE_LIMIT = "provisioner_rate_limit";

    /** The orphan sweep's record of its last completed passes. */
    public static final String SWEEP_PASSES = "provisioner_sweep_passes";

    /** Flyway's history of the provisioner's migrations, so a user's own Flyway history is never touched. */
    public static final String SCHEMA_HISTORY = "provisioner_schema_history";

    private Tables() {}

    /** {@code "schema"."table"}, for SQL. */
    public static String qualified(String schema, String table) {
        return SqlNames.qualify(schema, table);
    }

    /** The name {@code migrate --rename-legacy} gives an object of another shape: {@code <name>_legacy}. */
    public static String legacy(String name) {
        return name + "_legacy";
    }
}
