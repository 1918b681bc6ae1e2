package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every answer of every guardrail endpoint conforms to the response schema of {@code openapi-guardrails.yaml}. */
class GuardrailConformanceTest extends OnFreshSimulator {
    private static final OpenApiDocument DOC = OpenApiDocument.load("openapi-guardrails.yaml");
    private static final String SCHOOL = "{\"name\":\"School\",\"description\":\"pupils\",\"limit_usd\":25,"
            + "\"reset_interval\":\"monthly\",\"allowed_models\":[\"openai/gpt-4o-mini\"],"
            + "\"allowed_providers\":[\"openai\"],\"enforce_zdr\":true,"
            + "\"content_filter_builtins\":[{\"slug\":\"email\",\"action\":\"redact\",\"label\":\"ignored\"}],"
            + "\"content_filters\":[{\"pattern\":\"secret\",\"action\":\"block\"}]}";

    @Test
    void createGetListUpdateDeleteAnswersConform() throws IOException {
        JsonNode created = conforms(http.send("POST", "/guardrails", SCHOOL), "/guardrails", "post", 201);
        String id = created.get("data").get("id").asText();
        assertThat(created.get("data").get("enforce_zdr_anthropic").asBoolean())
                .as("the deprecated enforce_zdr fills the per-provider fields")
                .isTrue();
        assertThat(created.get("data")
                        .get("content_filter_builtins")
                        .get(0)
                        .get("label")
                        .asText())
                .isEqualTo("[EMAIL]");

        JsonNode got = conforms(http.get("/guardrails/" + id), "/guardrails/{id}", "get", 200);
        assertThat(got.get("data").get("allowed_models")).hasSize(1);
        JsonNode page = conforms(http.get("/guardrails?offset=0&limit=10"), "/guardrails", "get", 200);
        assertThat(page.get("total_count").asInt()).isEqualTo(1);

        JsonNode updated = conforms(
                http.send("PATCH", "/guardrails/" + id, "{\"limit_usd\":75,\"reset_interval\":null}"),
                "/guardrails/{id}",
                "patch",
                200);
        assertThat(updated.get("data").get("limit_usd").decimalValue()).isEqualByComparingTo("75");
        assertThat(updated.get("data").get("reset_interval").isNull()).isTrue();
        assertThat(updated.get("data").get("name").asText()).isEqualTo("School");

        conforms(http.send("DELETE", "/guardrails/" + id, null), "/guardrails/{id}", "delete", 200);
        conforms(http.get("/guardrails/" + id), "/guardrails/{id}", "get", 404);
    }

    @Test
    void assigningKeysReplacesTheirGuardrailAndListsConform() throws IOException {
        String first = simulator.addGuardrail("first", BigDecimal.TEN, List.of());
        String second = simulator.addGuardrail("second", null, List.of("openai/gpt-4o-mini"));
        String a = simulator.addKey("teacher:1", BigDecimal.ONE, "daily").hash();
        String b = simulator.addKey("teacher:2", BigDecimal.ONE, "daily").hash();

        JsonNode assigned = conforms(
                http.send("POST", "/guardrails/" + first + "/assignments/keys", hashes(a, b)),
                "/guardrails/{id}/assignments/keys",
                "post",
                200);
        assertThat(assigned.get("assigned_count").asInt()).isEqualTo(2);
        conforms(
                http.send("POST", "/guardrails/" + second + "/assignments/keys", hashes(a)),
                "/guardrails/{id}/assignments/keys",
                "post",
                200);

        assertThat(simulator.guardrailOfKey(a)).hasValue(second);
        assertThat(simulator.guardrailOfKey(b)).hasValue(first);
        JsonNode ofFirst = conforms(
                http.get("/guardrails/" + first + "/assignments/keys"),
                "/guardrails/{id}/assignments/keys",
                "get",
                200);
        assertThat(ofFirst.get("data")).hasSize(1);
        assertThat(ofFirst.get("data").get(0).get("key_name").asText()).isEqualTo("teacher:2");
        JsonNode all = conforms(http.get("/guardrails/assignments/keys"), "/guardrails/assignments/keys", "get", 200);
        assertThat(all.get("total_count").asInt()).isEqualTo(2);

        JsonNode removed = conforms(
                http.send("POST", "/guardrails/" + first + "/assignments/keys/remove", hashes(a, b)),
                "/guardrails/{id}/assignments/keys/remove",
                "post",
                200);
        assertThat(removed.get("unassigned_count").asInt())
                .as("a key assigned elsewhere is not removed from another guardrail")
                .isEqualTo(1);
        assertThat(simulator.guardrailOfKey(b)).isEmpty();
        assertThat(simulator.guardrailOfKey(a)).hasValue(second);
    }

    @Test
    void memberAssignmentsConform() throws IOException {
        String id = simulator.addGuardrail("staff", null, List.of());
        String members = "{\"member_user_ids\":[\"user_1\",\"user_2\"]}";

        conforms(
                http.send("POST", "/guardrails/" + id + "/assignments/members", members),
                "/guardrails/{id}/assignments/members",
                "post",
                200);
        conforms(
                http.get("/guardrails/" + id + "/assignments/members"),
                "/guardrails/{id}/assignments/members",
                "get",
                200);
        JsonNode all =
                conforms(http.get("/guardrails/assignments/members"), "/guardrails/assignments/members", "get", 200);
        assertThat(all.get("total_count").asInt()).isEqualTo(2);
        JsonNode removed = conforms(
                http.send("POST", "/guardrails/" + id + "/assignments/members/remove", members),
                "/guardrails/{id}/assignments/members/remove",
                "post",
                200);
        assertThat(removed.get("unassigned_count").asInt()).isEqualTo(2);
    }

    @Test
    void deletedKeyAndDeletedGuardrailLeaveNoAssignment() throws IOException {
        String id = simulator.addGuardrail("g", null, List.of());
        String a = simulator.addKey("teacher:1", null, null).hash();
        String b = simulator.addKey("teacher:2", null, null).hash();
        http.send("POST", "/guardrails/" + id + "/assignments/keys", hashes(a, b));

        http.send("DELETE", "/keys/" + a, null);
        JsonNode page = conforms(
                http.get("/guardrails/" + id + "/assignments/keys"), "/guardrails/{id}/assignments/keys", "get", 200);
        assertThat(page.get("data")).hasSize(1);

        http.send("DELETE", "/guardrails/" + id, null);
        assertThat(simulator.guardrailOfKey(b)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "GET /guardrails/{id}",
                "PATCH /guardrails/{id}",
                "DELETE /guardrails/{id}",
                "GET /guardrails/{id}/assignments/keys",
                "POST /guardrails/{id}/assignments/keys",
                "POST /guardrails/{id}/assignments/keys/remove",
                "GET /guardrails/{id}/assignments/members",
                "POST /guardrails/{id}/assignments/members",
                "POST /guardrails/{id}/assignments/members/remove"
            })
    void unknownGuardrailAnswers404Conforming(String operation) throws IOException {
        String[] parts = operation.split(" ");
        String path = parts[1].replace("{id}", "550e8400-e29b-41d4-a716-446655440000");

        HttpResponse<String> response = http.send(parts[0], path, parts[0].equals("GET") ? null : "{\"name\":\"x\"}");

        conforms(response, parts[1], parts[0].toLowerCase(), 404);
    }

    @Test
    void assigningAnUnknownKeyAnswers404AndAssignsNothing() throws IOException {
        String id = simulator.addGuardrail("g", null, List.of());
        String a = simulator.addKey("teacher:1", null, null).hash();

        conforms(
                http.send("POST", "/guardrails/" + id + "/assignments/keys", hashes(a, "0123abcd")),
                "/guardrails/{id}/assignments/keys",
                "post",
                404);

        assertThat(simulator.guardrailOfKey(a)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                "{\"name\":\"\"}",
                "{\"name\":\"a\",\"limit_usd\":-1}",
                "{\"name\":\"a\",\"reset_interval\":\"yearly\"}",
                "{\"name\":\"a\",\"allowed_models\":[]}",
                "{\"name\":\"a\",\"enforce_zdr_openai\":\"yes\"}",
                "{\"name\":\"a\",\"content_filter_builtins\":[{\"slug\":\"dna\",\"action\":\"block\"}]}",
                "{\"name\":\"a\",\"colour\":\"red\"}",
                "not json"
            })
    void invalidCreateAnswers400Conforming(String body) throws IOException {
        conforms(http.send("POST", "/guardrails", body), "/guardrails", "post", 400);

        assertThat(SimHttp.json(http.get("/guardrails")).get("total_count").asInt())
                .isZero();
    }

    @Test
    void invalidUpdateAssignAndPagingAnswer400Conforming() throws IOException {
        String id = simulator.addGuardrail("g", null, List.of());

        conforms(http.send("PATCH", "/guardrails/" + id, "{\"limit_usd\":\"lots\"}"), "/guardrails/{id}", "patch", 400);
        conforms(
                http.send("POST", "/guardrails/" + id + "/assignments/keys", "{\"key_hashes\":[]}"),
                "/guardrails/{id}/assignments/keys",
                "post",
                400);
        conforms(http.get("/guardrails?limit=101"), "/guardrails", "get", 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /guardrails", "POST /guardrails", "GET /guardrails/assignments/keys"})
    void wrongBearerAnswers401Conforming(String operation) throws IOException {
        String[] parts = operation.split(" ");

        HttpResponse<String> response =
                http.bearer("wrong").send(parts[0], parts[1], parts[0].equals("GET") ? null : SCHOOL);

        conforms(response, parts[1], parts[0].toLowerCase(), 401);
    }

    @Test
    void validatorRejectsAGuardrailWithoutId() throws IOException {
        ObjectNode body = (ObjectNode)
                SimHttp.json(http.send("POST", "/guardrails", SCHOOL)).deepCopy();
        ((ObjectNode) body.get("data")).remove("id");

        assertThat(DOC.validate(DOC.responseSchema("/guardrails", "post", 201), body))
                .containsExactly("$.data: required property 'id' is missing");
    }

    private static String hashes(String... hashes) {
        return "{\"key_hashes\":[\"" + String.join("\",\"", hashes) + "\"]}";
    }

    private static JsonNode conforms(HttpResponse<String> response, String path, String method, int status) {
        return DOC.conforms(response, path, method, status);
    }
}
