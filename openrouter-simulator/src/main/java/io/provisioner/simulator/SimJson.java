package io.provisioner.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Renders the simulator's answers in the shapes of OpenRouter's OpenAPI document. Stateless. */
final class SimJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String WORKSPACE_ID = "00000000-0000-4000-8000-000000000000";

    private SimJson() {}

    /** {@code {"data": {...}, "key": "sk-or-v1-..."}}: the one place a secret is written. */
    static byte[] created(SimKey key) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("data", data(key));
        root.put("key", key.secret());
        return bytes(root);
    }

    static byte[] one(SimKey key) {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("data", data(key));
        return bytes(root);
    }

    static byte[] page(List<SimKey> keys) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        keys.forEach(k -> data.add(data(k)));
        return bytes(root);
    }

    static byte[] deleted() {
        return bytes(MAPPER.createObjectNode().put("deleted", true));
    }

    static byte[] error(int status, String message) {
        ObjectNode root = MAPPER.createObjectNode();
        root.putObject("error").put("code", status).put("message", message);
        return bytes(root);
    }

    /** {@code GET /key}: the management key describing itself. */
    static byte[] managementKeyInfo() {
        ObjectNode data = MAPPER.createObjectNode();
        data.put("label", "sk-or-v1-sim...mgmt");
        data.putNull("limit");
        usage(data);
        data.put("is_free_tier", false);
        data.put("is_management_key", true);
        data.put("is_provisioning_key", true);
        data.putNull("limit_remaining");
        data.putNull("limit_reset");
        data.put("include_byok_in_limit", false);
        data.putNull("creator_user_id");
        data.putObject("rate_limit")
                .put("requests", -1)
                .put("interval", "10s")
                .put("note", "This field is deprecated and safe to ignore.");
        ObjectNode root = MAPPER.createObjectNode();
        root.set("data", data);
        return bytes(root);
    }

    private static ObjectNode data(SimKey key) {
        ObjectNode data = MAPPER.createObjectNode();
        data.put("hash", key.hash());
        data.put("name", key.name());
        data.put("label", key.label());
        data.put("disabled", key.disabled());
        if (key.limit() == null) {
            data.putNull("limit");
            data.putNull("limit_remaining");
        } else {
            data.put("limit", key.limit());
            data.put("limit_remaining", key.limit());
        }
        data.put("limit_reset", key.limitReset());
        data.put("include_byok_in_limit", false);
        usage(data);
        for (String field : List.of("usage", "usage_daily", "usage_weekly", "usage_monthly")) {
            data.put(field, key.usage());
        }
        if (key.limit() != null) {
            data.put("limit_remaining", key.limit().subtract(key.usage()).max(java.math.BigDecimal.ZERO));
        }
        data.put("created_at", key.createdAt().toString());
        data.put("updated_at", key.updatedAt().toString());
        data.putNull("expires_at");
        data.putNull("creator_user_id");
        data.put("workspace_id", WORKSPACE_ID);
        return data;
    }

    private static void usage(ObjectNode data) {
        for (String field : List.of("usage", "byok_usage")) {
            data.put(field, 0.0);
            data.put(field + "_daily", 0.0);
            data.put(field + "_weekly", 0.0);
            data.put(field + "_monthly", 0.0);
        }
    }

    static JsonNode parse(String body) throws IOException {
        return MAPPER.readTree(body);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
