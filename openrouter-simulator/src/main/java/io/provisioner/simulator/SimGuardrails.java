package io.provisioner.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The simulator's guardrails and their assignments to keys (by hash) and members (by user id), in creation
 * order. A key or member holds at most one guardrail: assigning it replaces its assignment, as OpenRouter
 * does. Deleting a guardrail removes its assignments. Thread-safe: every method holds the monitor briefly.
 */
final class SimGuardrails {

    /** One assignment of a key hash or a member's user id to a guardrail. */
    record Assignment(String id, String subject, String guardrailId, Instant createdAt) {}

    private final Map<String, ObjectNode> guardrails = new LinkedHashMap<>();
    private final Map<String, Assignment> keys = new LinkedHashMap<>();
    private final Map<String, Assignment> members = new LinkedHashMap<>();
    private final Clock clock;

    SimGuardrails(Clock clock) {
        this.clock = clock;
    }

    /** Creates a guardrail from validated {@code fields}; answers its JSON (a copy). */
    synchronized ObjectNode create(ObjectNode fields, String workspaceId) {
        ObjectNode g = SimJson.MAPPER.createObjectNode();
        String id = UUID.randomUUID().toString();
        g.put("id", id);
        for (String list : List.of(
                "allowed_models",
                "allowed_providers",
                "content_filter_builtins",
                "content_filters",
                "description",
                "enforce_zdr",
                "ignored_models",
                "ignored_providers",
                "limit_usd",
                "reset_interval")) {
            g.putNull(list);
        }
        for (String provider : GuardrailBodies.ZDR_PROVIDERS) {
            g.put("enforce_zdr_" + provider, false);
        }
        g.put("enable_free_model_publication", false);
        g.put("enable_free_model_training", true);
        g.put("enable_paid_model_training", true);
        g.put("include_byok_in_budgets", false);
        g.setAll(fields);
        g.put("created_at", now().toString());
        g.putNull("updated_at");
        g.put("workspace_id", workspaceId == null ? SimJson.WORKSPACE_ID : workspaceId);
        guardrails.put(id, g);
        return g.deepCopy();
    }

    synchronized Optional<ObjectNode> get(String id) {
        return Optional.ofNullable(guardrails.get(id)).map(ObjectNode::deepCopy);
    }

    synchronized List<ObjectNode> all() {
        return guardrails.values().stream().map(ObjectNode::deepCopy).toList();
    }

    /** Applies validated {@code fields}; empty when the guardrail is unknown. */
    synchronized Optional<ObjectNode> update(String id, ObjectNode fields) {
        ObjectNode g = guardrails.get(id);
        if (g == null) {
            return Optional.empty();
        }
        g.setAll(fields);
        g.put("updated_at", now().toString());
        return Optional.of(g.deepCopy());
    }

    synchronized boolean delete(String id) {
        if (guardrails.remove(id) == null) {
            return false;
        }
        keys.values().removeIf(a -> a.guardrailId().equals(id));
        members.values().removeIf(a -> a.guardrailId().equals(id));
        return true;
    }

    /** Assigns each subject to the guardrail, replacing its assignment; answers how many were assigned. */
    synchronized int assign(boolean toKeys, String guardrailId, List<String> subjects) {
        Map<String, Assignment> map = toKeys ? keys : members;
        int n = 0;
        for (String subject : subjects) {
            Assignment old = map.get(subject);
            if (old == null || !old.guardrailId().equals(guardrailId)) {
                map.put(subject, new Assignment(UUID.randomUUID().toString(), subject, guardrailId, now()));
            }
            n++;
        }
        return n;
    }

    /** Removes the subjects' assignments to this guardrail; answers how many there were. */
    synchronized int unassign(boolean fromKeys, String guardrailId, List<String> subjects) {
        Map<String, Assignment> map = fromKeys ? keys : members;
        int n = 0;
        for (String subject : subjects) {
            Assignment a = map.get(subject);
            if (a != null && a.guardrailId().equals(guardrailId)) {
                map.remove(subject);
                n++;
            }
        }
        return n;
    }

    /** The assignments of keys (or members), oldest first; only those of one guardrail unless null. */
    synchronized List<Assignment> assignments(boolean ofKeys, String guardrailIdOrNull) {
        List<Assignment> out = new ArrayList<>();
        for (Assignment a : (ofKeys ? keys : members).values()) {
            if (guardrailIdOrNull == null || a.guardrailId().equals(guardrailIdOrNull)) {
                out.add(a);
            }
        }
        return out;
    }

    /** The guardrail a key hash is assigned to. */
    synchronized Optional<String> guardrailOfKey(String hash) {
        return Optional.ofNullable(keys.get(hash)).map(Assignment::guardrailId);
    }

    synchronized void clear() {
        guardrails.clear();
        keys.clear();
        members.clear();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
