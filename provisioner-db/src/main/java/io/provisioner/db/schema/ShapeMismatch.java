package io.provisioner.db.schema;

import java.util.List;

/**
 * An object of one of the contract's names (CONTRACT section 4) whose shape the provisioner cannot work
 * with, such as the edge function's own {@code ai_key_provision_jobs}.
 *
 * @param object the object's name, unqualified
 * @param differences one line each, e.g. {@code missing column updated_at (timestamptz)}
 */
public record ShapeMismatch(String object, List<String> differences) {
    public ShapeMismatch {
        differences = List.copyOf(differences);
    }

    /** The name it gets with {@code --rename-legacy}. */
    public String legacyName() {
        return Tables.legacy(object);
    }
}
