package io.provisioner.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * OpenRouter's guardrail endpoints below {@code /api/v1} ({@code /guardrails...} of {@code
 * openapi-guardrails.yaml}), for an authorized caller: create, list, get, update and delete guardrails;
 * assign keys (by hash) and members to one, list and remove those assignments. Assigning a hash the
 * simulator does not hold answers 404 and assigns nothing. Thread-safe.
 */
final class GuardrailRoutes {
    static final String PREFIX = "/guardrails";
    private static final String ALL_KEY_ASSIGNMENTS = PREFIX + "/assignments/keys";
    private static final String ALL_MEMBER_ASSIGNMENTS = PREFIX + "/assignments/members";

    private final SimGuardrails guardrails;
    private final SimKeyStore keys;

    GuardrailRoutes(SimGuardrails guardrails, SimKeyStore keys) {
        this.guardrails = guardrails;
        this.keys = keys;
    }

    static boolean handles(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** @param path the path below {@code /api/v1}, starting with {@link #PREFIX} */
    Reply route(String method, String path, String query, String body) {
        try {
            if (path.equals(PREFIX)) {
                return switch (method) {
                    case "GET" -> page(query, guardrails.all(), n -> n);
                    case "POST" -> create(body);
                    default -> notAllowed(method, path);
                };
            }
            if (path.equals(ALL_KEY_ASSIGNMENTS) || path.equals(ALL_MEMBER_ASSIGNMENTS)) {
                boolean ofKeys = path.equals(ALL_KEY_ASSIGNMENTS);
                return method.equals("GET") ? assignments(ofKeys, null, query) : notAllowed(method, path);
            }
            String[] parts = path.substring(PREFIX.length() + 1).split("/", -1);
            String id = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            if (guardrails.get(id).isEmpty()) {
                return Reply.error(404, "Guardrail not found");
            }
            String rest = path.substring(PREFIX.length() + 1 + parts[0].length());
            return switch (rest) {
                case "" -> one(method, id, body);
                case "/assignments/keys", "/assignments/members" -> {
                    boolean ofKeys = rest.endsWith("/keys");
                    yield switch (method) {
                        case "GET" -> assignments(ofKeys, id, query);
                        case "POST" -> assign(ofKeys, id, body);
                        default -> notAllowed(method, path);
                    };
                }
                case "/assignments/keys/remove", "/assignments/members/remove" -> {
                    boolean ofKeys = rest.startsWith("/assignments/keys");
                    yield method.equals("POST") ? unassign(ofKeys, id, body) : notAllowed(method, path);
                }
                default -> Reply.error(404, "Resource not found");
            };
        } catch (KeyBodies.BadRequest e) {
            return Reply.error(400, e.getMessage());
        }
    }

    private Reply create(String body) {
        ObjectNode fields = GuardrailBodies.create(body);
        JsonNode workspace = parse(body).get("workspace_id");
        ObjectNode created = guardrails.create(fields, workspace == null ? null : workspace.asText());
        return new Reply.Answer(201, data(created));
    }

    private Reply one(String method, String id, String body) {
        Optional<ObjectNode> g =
                switch (method) {
                    case "GET" -> guardrails.get(id);
                    case "PATCH" -> guardrails.update(id, GuardrailBodies.update(body));
                    case "DELETE" -> guardrails.delete(id) ? Optional.of(SimJson.MAPPER.createObjectNode()) : null;
                    default -> null;
                };
        if (g == null) {
            return method.equals("DELETE")
                    ? Reply.error(404, "Guardrail not found")
                    : notAllowed(method, "/guardrails/{id}");
        }
        if (g.isEmpty()) {
            return Reply.error(404, "Guardrail not found");
        }
        return new Reply.Answer(200, method.equals("DELETE") ? SimJson.deleted() : data(g.get()));
    }

    private Reply assign(boolean toKeys, String id, String body) {
        List<String> subjects = GuardrailBodies.ids(body, toKeys ? "key_hashes" : "member_user_ids");
        if (toKeys) {
            for (String hash : subjects) {
                if (keys.get(hash).isEmpty()) {
                    return Reply.error(404, "Key not found");
                }
            }
        }
        int n = guardrails.assign(toKeys, id, subjects);
        return new Reply.Answer(200, bytes(SimJson.MAPPER.createObjectNode().put("assigned_count", n)));
    }

    private Reply unassign(boolean fromKeys, String id, String body) {
        List<String> subjects = GuardrailBodies.ids(body, fromKeys ? "key_hashes" : "member_user_ids");
        int n = guardrails.unassign(fromKeys, id, subjects);
        return new Reply.Answer(200, bytes(SimJson.MAPPER.createObjectNode().put("unassigned_count", n)));
    }

    private Reply assignments(boolean ofKeys, String guardrailId, String query) {
        List<SimGuardrails.Assignment> all = guardrails.assignments(ofKeys, guardrailId);
        if (ofKeys) {
            // a deleted key no longer holds an assignment
            all = all.stream().filter(a -> keys.get(a.subject()).isPresent()).toList();
        }
        return page(query, all, a -> assignment(ofKeys, a));
    }

    private ObjectNode assignment(boolean ofKey, SimGuardrails.Assignment a) {
        ObjectNode n = SimJson.MAPPER.createObjectNode();
        n.put("id", a.id());
        n.put("guardrail_id", a.guardrailId());
        n.putNull("assigned_by");
        n.put("created_at", a.createdAt().toString());
        if (ofKey) {
            SimKey key = keys.get(a.subject()).orElseThrow();
            n.put("key_hash", key.hash());
            n.put("key_name", key.name());
            n.put("key_label", key.label());
        } else {
            n.put("user_id", a.subject());
            n.put("organization_id", "org_simulator");
        }
        return n;
    }

    private static <T> Reply page(String query, List<T> items, java.util.function.Function<T, JsonNode> render) {
        int offset = SimQuery.intParam(query, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = SimQuery.intParam(query, "limit", 50, 1, 100);
        ObjectNode root = SimJson.MAPPER.createObjectNode();
        ArrayNode data = root.putArray("data");
        items.stream().skip(offset).limit(limit).forEach(i -> data.add(render.apply(i)));
        root.put("total_count", items.size());
        return new Reply.Answer(200, bytes(root));
    }

    private static byte[] data(ObjectNode guardrail) {
        ObjectNode root = SimJson.MAPPER.createObjectNode();
        root.set("data", guardrail);
        return bytes(root);
    }

    private static JsonNode parse(String body) {
        try {
            return SimJson.parse(body);
        } catch (IOException e) {
            throw new KeyBodies.BadRequest("body is not valid JSON");
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return SimJson.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Reply notAllowed(String method, String path) {
        return Reply.error(405, method + " is not allowed on " + path);
    }
}
