package io.provisioner.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Validates request bodies of {@code POST /keys} and {@code PATCH /keys/{hash}} as OpenRouter does. */
final class KeyBodies {
    private static final Set<String> RESETS = Set.of("daily", "weekly", "monthly");

    /** The body was invalid; the message is safe to send back (no secret can be in a request body). */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** A valid create request. */
    record Create(String name, BigDecimal limit, String limitReset) {}

    private KeyBodies() {}

    static Create create(String body) {
        JsonNode root = object(body);
        JsonNode name = root.get("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new BadRequest("name is required and must be a non-empty string");
        }
        return new Create(name.asText(), limit(root), limitReset(root));
    }

    /** The change a PATCH asks for; fields that are absent keep their value. */
    static UnaryOperator<SimKey> patch(String body) {
        JsonNode root = object(body);
        JsonNode name = root.get("name");
        if (name != null && !name.isTextual()) {
            throw new BadRequest("name must be a string");
        }
        JsonNode disabled = root.get("disabled");
        if (disabled != null && !disabled.isBoolean()) {
            throw new BadRequest("disabled must be a boolean");
        }
        boolean hasLimit = root.has("limit");
        boolean hasReset = root.has("limit_reset");
        BigDecimal limit = limit(root);
        String reset = limitReset(root);
        return k -> new SimKey(
                k.hash(),
                name == null ? k.name() : name.asText(),
                k.secret(),
                k.label(),
                hasLimit ? limit : k.limit(),
                hasReset ? reset : k.limitReset(),
                disabled == null ? k.disabled() : disabled.asBoolean(),
                k.createdAt(),
                k.updatedAt());
    }

    private static JsonNode object(String body) {
        JsonNode root;
        try {
            root = SimJson.parse(body);
        } catch (IOException e) {
            throw new BadRequest("body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadRequest("body must be a JSON object");
        }
        return root;
    }

    private static BigDecimal limit(JsonNode root) {
        JsonNode limit = root.get("limit");
        if (limit == null || limit.isNull()) {
            return null;
        }
        if (!limit.isNumber() || limit.decimalValue().signum() < 0) {
            throw new BadRequest("limit must be a non-negative number or null");
        }
        return limit.decimalValue();
    }

    private static String limitReset(JsonNode root) {
        JsonNode reset = root.get("limit_reset");
        if (reset == null || reset.isNull()) {
            return null;
        }
        if (!reset.isTextual() || !RESETS.contains(reset.asText())) {
            throw new BadRequest("limit_reset must be daily, weekly, monthly or null");
        }
        return reset.asText();
    }
}
