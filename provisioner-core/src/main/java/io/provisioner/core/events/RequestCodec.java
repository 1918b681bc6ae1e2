package io.provisioner.core.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.logging.Texts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads and writes {@link ProvisionRequest} values strictly: a value that is not JSON, lacks
 * {@code owner_type}, {@code owner_id} or {@code op}, or carries an unknown {@code op} is rejected with
 * a {@link FatalException} whose message says why. Unknown extra fields are tolerated.
 */
public final class RequestCodec {

    private RequestCodec() {}

    public static byte[] encode(ProvisionRequest request) {
        try {
            return Json.MAPPER.writeValueAsBytes(request);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ProvisionRequest decode(byte[] bytes) {
        if (bytes == null) {
            throw new FatalException("request value is null (tombstone)");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new FatalException("request value is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FatalException("request value cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new FatalException("request value is not a JSON object");
        }
        String type = text(node, "owner_type");
        String id = text(node, "owner_id");
        String op = text(node, "op");
        ProvisionRequest.Op parsedOp;
        switch (op) {
            case "upsert" -> parsedOp = ProvisionRequest.Op.UPSERT;
            case "delete" -> parsedOp = ProvisionRequest.Op.DELETE;
            default ->
                throw new FatalException("unknown op '" + Texts.abbreviate(op) + "' (expected upsert or delete)");
        }
        ProvisionRequest.Source source = null;
        JsonNode s = node.get("source");
        if (s != null && s.isObject()) {
            source = new ProvisionRequest.Source(
                    s.hasNonNull("table") ? s.get("table").asText() : null,
                    s.hasNonNull("lsn") ? s.get("lsn").asLong() : null,
                    s.hasNonNull("ts_ms") ? s.get("ts_ms").asLong() : null);
        }
        Instant requestedAt = null;
        if (node.hasNonNull("requested_at")) {
            try {
                requestedAt = Instant.parse(node.get("requested_at").asText());
            } catch (DateTimeParseException e) {
                throw new FatalException("requested_at is not an ISO-8601 instant");
            }
        }
        // an oversized id is readable: the provisioner dead-letters it as the owner's, with its job row
        new OwnerRef(type, id).requireNamesOwner();
        return new ProvisionRequest(type, id, parsedOp, source, requestedAt);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new FatalException("request lacks field '" + field + "'");
        }
        if (!v.isTextual()) {
            throw new FatalException("field '" + field + "' is not a string");
        }
        return v.asText();
    }
}
