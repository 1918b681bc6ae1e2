package io.provisioner.db;

import io.provisioner.db.schema.ShapeMismatch;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@link Migrator} found objects of the contract's names with another shape and changed nothing. The
 * message lists, per object, what differs and what to do; it holds names and types, never a row value.
 */
public class LegacySchemaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<ShapeMismatch> mismatches;

    public LegacySchemaException(String schema, List<ShapeMismatch> mismatches, String advice) {
        super(describe(schema, mismatches, advice));
        this.mismatches = List.copyOf(mismatches);
    }

    public List<ShapeMismatch> mismatches() {
        return mismatches;
    }

    private static String describe(String schema, List<ShapeMismatch> mismatches, String advice) {
        String objects = mismatches.stream()
                .map(m -> schema + "." + m.object() + " has another shape than the provisioner's:\n"
                        + m.differences().stream().map(d -> "  - " + d).collect(Collectors.joining("\n")))
                .collect(Collectors.joining("\n"));
        return objects + "\nNothing was changed. " + advice;
    }
}
