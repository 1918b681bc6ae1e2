package io.provisioner.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.events.Json;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyAssignment;
import io.provisioner.core.ports.KeyUsage;
import io.provisioner.core.ports.LimitReset;
import io.provisioner.core.secret.Secret;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Reads OpenRouter's key answers; tolerates unknown fields. Stateless. */
final class KeyParser {

    /** The answer could not be read. The message says what was wrong, never what the body held. */
    static final class MalformedBody extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedBody(String message) {
            super(message, null, false, false);
        }
    }

    private KeyParser() {}

    static JsonNode tree(String body) throws MalformedBody {
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root == null || !root.isObject()) {
                throw new MalformedBody("the body is not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new MalformedBody("the body is not valid JSON");
        }
    }

    /** A 201 of {@code POST /keys}: the secret comes only from the top-level {@code key}. */
    static CreatedKey created(JsonNode root) throws MalformedBody {
        JsonNode key = root.get("key");
        if (key == null || !key.isTextual() || key.asText().isBlank()) {
            throw new MalformedBody("the answer has no top-level key");
        }
        return new CreatedKey(apiKey(root.get("data")), new Secret(key.asText()));
    }

    static ApiKey one(JsonNode root) throws MalformedBody {
        return apiKey(root.get("data"));
    }

    static List<ApiKey> page(JsonNode root) throws MalformedBody {
        JsonNode data = dataArray(root);
        List<ApiKey> keys = new ArrayList<>(data.size());
        for (JsonNode item : data) {
            keys.add(apiKey(item));
        }
        return keys;
    }

    /** A page of {@code GET /keys}, read for the spend of each key. */
    static List<KeyUsage> usagePage(JsonNode root) throws MalformedBody {
        JsonNode data = dataArray(root);
        List<KeyUsage> out = new ArrayList<>(data.size());
        for (JsonNode item : data) {
            ApiKey key = apiKey(item);
            out.add(new KeyUsage(
                    key.hash(),
                    dollars(item.get("usage")),
                    dollars(item.get("usage_daily")),
                    dollars(item.get("usage_weekly")),
                    dollars(item.get("usage_monthly")),
                    key.limits()));
        }
        return out;
    }

    /** A page of {@code GET /guardrails/assignments/keys}. */
    static List<KeyAssignment> assignmentPage(JsonNode root) throws MalformedBody {
        JsonNode data = dataArray(root);
        List<KeyAssignment> out = new ArrayList<>(data.size());
        for (JsonNode item : data) {
            String hash = text(item, "key_hash");
            String guardrail = text(item, "guardrail_id");
            if (hash == null || hash.isBlank() || guardrail == null || guardrail.isBlank()) {
                throw new MalformedBody("a key assignment in the answer has no key_hash or guardrail_id");
            }
            out.add(new KeyAssignment(hash, guardrail));
        }
        return out;
    }

    private static JsonNode dataArray(JsonNode root) throws MalformedBody {
        JsonNode data = root.get("data");
        if (data == null || !data.isArray()) {
            throw new MalformedBody("the answer has no data array");
        }
        return data;
    }

    private static BigDecimal dollars(JsonNode value) throws MalformedBody {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw new MalformedBody("a key's usage is not a number");
        }
        return value.decimalValue();
    }

    private static ApiKey apiKey(JsonNode data) throws MalformedBody {
        if (data == null || !data.isObject()) {
            throw new MalformedBody("the answer has no data object");
        }
        JsonNode hash = data.get("hash");
        if (hash == null || !hash.isTextual() || hash.asText().isBlank()) {
            throw new MalformedBody("a key in the answer has no hash");
        }
        return new ApiKey(
                hash.asText(),
                text(data, "name"),
                text(data, "label"),
                data.path("disabled").asBoolean(false),
                limit(data.get("limit")),
                reset(text(data, "limit_reset")),
                instant(text(data, "created_at")));
    }

    private static String text(JsonNode data, String field) {
        JsonNode value = data.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static BigDecimal limit(JsonNode limit) throws MalformedBody {
        if (limit == null || limit.isNull()) {
            return null;
        }
        if (limit.isNumber()) {
            return limit.decimalValue();
        }
        try {
            return new BigDecimal(limit.asText());
        } catch (NumberFormatException e) {
            throw new MalformedBody("a key's limit is not a number");
        }
    }

    /** A reset this client does not know reads as none, so that one odd key cannot stop a whole listing. */
    private static LimitReset reset(String wire) {
        try {
            return LimitReset.fromWire(wire);
        } catch (IllegalArgumentException e) {
            return LimitReset.NONE;
        }
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
