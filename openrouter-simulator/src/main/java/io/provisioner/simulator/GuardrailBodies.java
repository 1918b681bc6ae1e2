package io.provisioner.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Validates the request bodies of the guardrail endpoints as OpenRouter's OpenAPI document describes them
 * ({@code CreateGuardrailRequest}, {@code UpdateGuardrailRequest}, the bulk (un)assign requests) and turns
 * them into the stored guardrail's fields. Stateless.
 */
final class GuardrailBodies {
    static final Set<String> INTERVALS = Set.of("daily", "weekly", "monthly");
    private static final Set<String> ACTIONS = Set.of("redact", "block", "flag");
    private static final Set<String> SLUGS = Set.of(
            "email", "phone", "ssn", "credit-card", "ip-address", "person-name", "address", "regex-prompt-injection");
    private static final Set<String> SCOPES = Set.of("user_only", "all_messages");
    private static final List<String> BOOLEANS = List.of(
            "enable_free_model_publication",
            "enable_free_model_training",
            "enable_paid_model_training",
            "enforce_zdr",
            "enforce_zdr_anthropic",
            "enforce_zdr_google",
            "enforce_zdr_openai",
            "enforce_zdr_other",
            "enforce_zdr_xai");
    static final List<String> ZDR_PROVIDERS = List.of("anthropic", "google", "openai", "other", "xai");
    private static final List<String> LISTS =
            List.of("allowed_models", "allowed_providers", "ignored_models", "ignored_providers");
    private static final Set<String> UPDATABLE = updatable();

    private GuardrailBodies() {}

    /** Every field of {@code UpdateGuardrailRequest}. */
    private static Set<String> updatable() {
        Set<String> names = new java.util.HashSet<>(BOOLEANS);
        names.addAll(LISTS);
        names.addAll(List.of(
                "name",
                "description",
                "limit_usd",
                "reset_interval",
                "include_byok_in_budgets",
                "content_filters",
                "content_filter_builtins"));
        return Set.copyOf(names);
    }

    /** The fields a create sets, validated; {@code name} is required. */
    static ObjectNode create(String body) {
        ObjectNode root = object(body);
        if (!root.hasNonNull("name")) {
            throw new KeyBodies.BadRequest("name is required");
        }
        ObjectNode fields = fields(root, true);
        if (root.has("workspace_id") && !root.get("workspace_id").isTextual()) {
            throw new KeyBodies.BadRequest("workspace_id must be a string");
        }
        return fields;
    }

    /** The fields an update changes, validated; fields that are absent keep their value. */
    static ObjectNode update(String body) {
        return fields(object(body), false);
    }

    /** The non-empty list of strings under {@code field} ({@code key_hashes}, {@code member_user_ids}). */
    static List<String> ids(String body, String field) {
        return strings(object(body).get(field), field);
    }

    private static List<String> strings(JsonNode list, String field) {
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new KeyBodies.BadRequest(field + " must be a non-empty array");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode id : list) {
            if (!id.isTextual() || id.asText().isEmpty()) {
                throw new KeyBodies.BadRequest(field + " must hold non-empty strings");
            }
            ids.add(id.asText());
        }
        return ids;
    }

    private static ObjectNode fields(ObjectNode root, boolean creating) {
        ObjectNode out = SimJson.MAPPER.createObjectNode();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("workspace_id") && creating) {
                continue;
            }
            if (!UPDATABLE.contains(name)) {
                throw new KeyBodies.BadRequest("unknown field " + name);
            }
            out.set(name, checked(name, value));
        }
        // the deprecated enforce_zdr fills every per-provider field the request leaves out
        if (out.hasNonNull("enforce_zdr")) {
            for (String provider : ZDR_PROVIDERS) {
                if (!out.has("enforce_zdr_" + provider)) {
                    out.set("enforce_zdr_" + provider, out.get("enforce_zdr"));
                }
            }
        }
        return out;
    }

    private static JsonNode checked(String name, JsonNode value) {
        if (name.equals("name")) {
            if (!value.isTextual() || value.asText().isEmpty() || value.asText().length() > 200) {
                throw new KeyBodies.BadRequest("name must be a string of 1 to 200 characters");
            }
            return value;
        }
        if (name.equals("include_byok_in_budgets")) {
            if (!value.isBoolean()) {
                throw new KeyBodies.BadRequest(name + " must be a boolean");
            }
            return value;
        }
        if (value.isNull()) {
            return value;
        }
        if (name.equals("description") && (!value.isTextual() || value.asText().length() > 1000)) {
            throw new KeyBodies.BadRequest("description must be a string of at most 1000 characters");
        }
        if (name.equals("limit_usd")
                && (!value.isNumber() || value.decimalValue().signum() < 0)) {
            throw new KeyBodies.BadRequest("limit_usd must be a non-negative number or null");
        }
        if (name.equals("reset_interval") && (!value.isTextual() || !INTERVALS.contains(value.asText()))) {
            throw new KeyBodies.BadRequest("reset_interval must be daily, weekly, monthly or null");
        }
        if (BOOLEANS.contains(name) && !value.isBoolean()) {
            throw new KeyBodies.BadRequest(name + " must be a boolean or null");
        }
        if (LISTS.contains(name)) {
            strings(value, name);
        }
        if (name.equals("content_filters")) {
            return contentFilters(value);
        }
        if (name.equals("content_filter_builtins")) {
            return builtins(value);
        }
        return value;
    }

    private static ArrayNode contentFilters(JsonNode value) {
        if (!value.isArray()) {
            throw new KeyBodies.BadRequest("content_filters must be an array or null");
        }
        ArrayNode out = SimJson.MAPPER.createArrayNode();
        for (JsonNode f : value) {
            if (!f.path("pattern").isTextual() || f.path("pattern").asText().isEmpty()) {
                throw new KeyBodies.BadRequest("content_filters[].pattern must be a non-empty string");
            }
            action(f, "content_filters");
            ObjectNode entry = out.addObject().put("pattern", f.get("pattern").asText());
            entry.put("action", f.get("action").asText());
            if (f.hasNonNull("label")) {
                entry.set("label", f.get("label"));
            }
        }
        return out;
    }

    private static ArrayNode builtins(JsonNode value) {
        if (!value.isArray()) {
            throw new KeyBodies.BadRequest("content_filter_builtins must be an array or null");
        }
        ArrayNode out = SimJson.MAPPER.createArrayNode();
        for (JsonNode b : value) {
            String slug = b.path("slug").asText("");
            if (!SLUGS.contains(slug)) {
                throw new KeyBodies.BadRequest("content_filter_builtins[].slug must be one of " + SLUGS);
            }
            action(b, "content_filter_builtins");
            // the label is system-assigned: one given is ignored, as OpenRouter does
            ObjectNode entry = out.addObject()
                    .put("slug", slug)
                    .put("action", b.get("action").asText());
            entry.put("label", "[" + slug.toUpperCase(Locale.ROOT).replace('-', '_') + "]");
            if (b.hasNonNull("scan_scope")) {
                if (!SCOPES.contains(b.get("scan_scope").asText())) {
                    throw new KeyBodies.BadRequest("scan_scope must be one of " + SCOPES);
                }
                entry.set("scan_scope", b.get("scan_scope"));
            }
        }
        return out;
    }

    private static void action(JsonNode entry, String field) {
        if (!ACTIONS.contains(entry.path("action").asText(""))) {
            throw new KeyBodies.BadRequest(field + "[].action must be redact, block or flag");
        }
    }

    private static ObjectNode object(String body) {
        JsonNode root;
        try {
            root = SimJson.parse(body);
        } catch (IOException e) {
            throw new KeyBodies.BadRequest("body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new KeyBodies.BadRequest("body must be a JSON object");
        }
        return (ObjectNode) root;
    }
}
