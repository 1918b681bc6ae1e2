package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OpenRouter's OpenAPI document (test resource {@code openapi-keys.yaml}) and a validator for the subset of
 * JSON Schema it uses: {@code type} (also as a list with {@code null}), {@code required}, {@code properties},
 * {@code items}, {@code enum}, {@code const}, {@code minimum}, {@code minLength}, {@code maxLength}, {@code allOf},
 * {@code additionalProperties}
 * and {@code $ref} into {@code components/schemas}. Keywords it does not know fail loudly, so that a newer
 * document cannot be validated only in part.
 */
final class OpenApiDocument {
    private static final List<String> IGNORED =
            List.of("description", "example", "examples", "format", "deprecated", "x-openrouter-type", "title");

    private final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    static OpenApiDocument load() {
        return load("openapi-keys.yaml");
    }

    /** Another extract of the document in the test resources, e.g. {@code openapi-guardrails.yaml}. */
    static OpenApiDocument load(String resource) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the test resources");
            }
            return new OpenApiDocument(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON schema of the answer, e.g. {@code responseSchema("/keys", "post", 201)}; fails when undocumented. */
    JsonNode responseSchema(String path, String method, int status) {
        JsonNode operation = root.path("paths").path(path).path(method);
        if (operation.isMissingNode()) {
            throw new AssertionError("the document has no operation " + method + " " + path);
        }
        JsonNode schema = operation
                .path("responses")
                .path(Integer.toString(status))
                .path("content")
                .path("application/json")
                .path("schema");
        if (schema.isMissingNode()) {
            throw new AssertionError("the document has no JSON answer " + status + " for " + method + " " + path);
        }
        return schema;
    }

    /**
     * Asserts that {@code response} has {@code status} and a body that conforms to the document's schema
     * for it (an error body's {@code code} being the status); answers the body.
     */
    JsonNode conforms(HttpResponse<String> response, String path, String method, int status) {
        assertThat(response.statusCode())
                .as("status of %s %s: %s", method, path, response.body())
                .isEqualTo(status);
        JsonNode body = SimHttp.json(response);
        assertThat(validate(responseSchema(path, method, status), body))
                .as("%s %s %s conforms to the OpenAPI document", method, path, status)
                .isEmpty();
        if (status >= 400) {
            assertThat(body.get("error").get("code").asInt()).isEqualTo(status);
        }
        return body;
    }

    /** Every violation of {@code schema} by {@code instance}; empty when it conforms. */
    List<String> validate(JsonNode schema, JsonNode instance) {
        List<String> errors = new ArrayList<>();
        validate(schema, instance, "$", errors);
        return errors;
    }

    private void validate(JsonNode schema, JsonNode value, String at, List<String> errors) {
        if (schema.has("$ref")) {
            validate(resolve(schema.get("$ref").asText()), value, at, errors);
            return;
        }
        for (Map.Entry<String, JsonNode> keyword : schema.properties()) {
            check(keyword.getKey(), keyword.getValue(), value, at, errors);
        }
    }

    private void check(String keyword, JsonNode arg, JsonNode value, String at, List<String> errors) {
        switch (keyword) {
            case "type" -> {
                if (!typeMatches(arg, value)) {
                    errors.add(at + ": expected type " + arg + " but was " + value.getNodeType());
                }
            }
            case "required" ->
                arg.forEach(name -> {
                    if (value.isObject() && !value.has(name.asText())) {
                        errors.add(at + ": required property '" + name.asText() + "' is missing");
                    }
                });
            case "properties" ->
                arg.properties().forEach(p -> {
                    if (value.isObject() && value.has(p.getKey())) {
                        validate(p.getValue(), value.get(p.getKey()), at + "." + p.getKey(), errors);
                    }
                });
            case "items" -> {
                for (int i = 0; value.isArray() && i < value.size(); i++) {
                    validate(arg, value.get(i), at + "[" + i + "]", errors);
                }
            }
            case "enum" -> {
                boolean found = false;
                for (JsonNode option : arg) {
                    found |= option.equals(value);
                }
                if (!found) {
                    errors.add(at + ": " + value + " is not one of " + arg);
                }
            }
            case "const" -> {
                if (!arg.equals(value)) {
                    errors.add(at + ": expected " + arg + " but was " + value);
                }
            }
            case "minimum" -> {
                if (value.isNumber() && value.decimalValue().compareTo(arg.decimalValue()) < 0) {
                    errors.add(at + ": " + value + " is below " + arg);
                }
            }
            case "allOf" -> arg.forEach(part -> validate(part, value, at, errors));
            case "maxLength" -> {
                if (value.isTextual() && value.asText().length() > arg.asInt()) {
                    errors.add(at + ": longer than " + arg);
                }
            }
            case "minLength" -> {
                if (value.isTextual() && value.asText().length() < arg.asInt()) {
                    errors.add(at + ": shorter than " + arg);
                }
            }
            case "additionalProperties" -> {
                if (!arg.isObject() || !arg.isEmpty()) {
                    throw new IllegalStateException("additionalProperties other than {} is not supported: " + arg);
                }
            }
            default -> {
                if (!IGNORED.contains(keyword)) {
                    throw new IllegalStateException("unsupported JSON schema keyword '" + keyword + "' at " + at);
                }
            }
        }
    }

    private static boolean typeMatches(JsonNode type, JsonNode value) {
        if (type.isArray()) {
            for (JsonNode option : type) {
                if (typeMatches(option, value)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asText()) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            case "number" -> value.isNumber();
            case "integer" ->
                value.isIntegralNumber()
                        || (value.isNumber()
                                && value.decimalValue().stripTrailingZeros().scale() <= 0);
            default -> throw new IllegalStateException("unknown type " + type);
        };
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalStateException("only local $ref is supported: " + ref);
        }
        JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new IllegalStateException("unresolvable $ref " + ref);
        }
        return target;
    }
}
