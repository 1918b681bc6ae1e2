package io.provisioner.core.ports;

import java.math.BigDecimal;

/**
 * One owner's row of {@code ai_key_policies}: what its key should be set to, where it differs from the
 * owner type's settings. Each null component means the type's default ({@code OR_ORG_LIMIT} /
 * {@code OR_TEACHER_LIMIT}, {@code OR_LIMIT_RESET}, {@code OR_ORG_GUARDRAIL_ID} / {@code OR_TEACHER_GUARDRAIL_ID}).
 *
 * @param limitUsd the spending cap in US dollars, or null
 * @param limitReset when it resets, or null
 * @param guardrailId the OpenRouter guardrail the key is assigned to, or null
 */
public record KeyPolicy(BigDecimal limitUsd, LimitReset limitReset, String guardrailId) {

    /** The table's name, in the schema of the owner tables (CONTRACT section 4). */
    public static final String TABLE = "ai_key_policies";

    /** No row: every value is the type's default. */
    public static final KeyPolicy DEFAULTS = new KeyPolicy(null, null, null);
}
