package io.provisioner.db.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shape CONTRACT section 4 gives the provisioner's objects: per column the type family that the
 * provisioner's SQL works with. A type family groups the types that behave alike for it ({@code text}
 * and {@code varchar}; {@code integer} and {@code bigint}; {@code numeric} and {@code double precision}).
 */
public final class ContractShapes {

    /** Column to type family, in the contract's order. */
    public static final Map<String, String> JOB_COLUMNS = columns(
            "id integer",
            "owner_type text",
            "owner_id text",
            "status text",
            "attempts integer",
            "last_error text",
            "next_attempt_at timestamptz",
            "created_at timestamptz",
            "updated_at timestamptz");

    public static final Map<String, String> KEY_COLUMNS = columns(
            "id integer",
            "provider text",
            "owner_type text",
            "owner_id text",
            "key_hash text",
            "key_name text",
            "key_label text",
            "encrypted_key text",
            "key_limit numeric",
            "limit_reset text",
            "created_at timestamptz",
            "revoked_at timestamptz");

    /**
     * The per-owner policies (V6), which the application writes: an older table of that name of another shape
     * would be kept by V6's {@code create table if not exists}, then every read of an owner would fail.
     */
    public static final Map<String, String> POLICY_COLUMNS = columns(
            "owner_type text",
            "owner_id text",
            "limit_usd numeric",
            "limit_reset text",
            "guardrail_id text",
            "updated_at timestamptz");

    /** The public view: every key column except {@code encrypted_key}, in the same order. */
    public static final List<String> VIEW_COLUMNS = KEY_COLUMNS.keySet().stream()
            .filter(c -> !c.equals("encrypted_key"))
            .toList();

    /**
     * Key columns later migrations add to the table and, after the contract's and in this order, to the public
     * view: V6 the guardrail the key was last assigned to, V7 the spend read back and rotation's pending delete.
     * A view that ends with some of them is still the provisioner's.
     */
    public static final List<String> ADDED_VIEW_COLUMNS = List.of(
            "guardrail_id",
            "usage_total",
            "usage_daily",
            "usage_weekly",
            "usage_monthly",
            "usage_synced_at",
            "delete_pending");

    private ContractShapes() {}

    /** The family of a type as {@code format_type} prints it, e.g. {@code character varying(80)} is text. */
    public static String family(String formattedType) {
        String t = formattedType.toLowerCase(Locale.ROOT);
        if (t.equals("text") || t.startsWith("character") || t.equals("name")) {
            return "text";
        }
        if (t.equals("bigint") || t.equals("integer") || t.equals("smallint")) {
            return "integer";
        }
        if (t.startsWith("numeric") || t.equals("double precision") || t.equals("real")) {
            return "numeric";
        }
        if (t.startsWith("timestamp") && t.endsWith("with time zone")) {
            return "timestamptz";
        }
        return t;
    }

    private static Map<String, String> columns(String... nameAndFamily) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String c : nameAndFamily) {
            int space = c.indexOf(' ');
            out.put(c.substring(0, space), c.substring(space + 1));
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
