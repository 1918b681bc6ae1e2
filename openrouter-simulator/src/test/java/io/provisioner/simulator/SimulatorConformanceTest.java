package io.provisioner.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every answer of every endpoint conforms to the response schema of OpenRouter's OpenAPI document. */
class SimulatorConformanceTest extends OnFreshSimulator {
    private static final OpenApiDocument DOC = OpenApiDocument.load();

    @Test
    void createAnswers201WithSecretAtTopLevelOnly() throws IOException {
        HttpResponse<String> response =
                http.post("{\"name\":\"organization:1\",\"limit\":200,\"limit_reset\":\"daily\"}");

        JsonNode body = conforms(response, "/keys", "post", 201);
        String secret = body.get("key").asText();
        assertThat(secret).matches("sk-or-v1-[0-9a-f]{64}");
        assertThat(response.body().split(secret, -1))
                .as("the secret appears exactly once")
                .hasSize(2);
        assertThat(body.get("data").get("hash").asText())
                .isEqualTo(simulator.liveKeys().get(0).hash());
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void validatorRejectsSecretMovedUnderData() throws IOException {
        JsonNode body = SimHttp.json(http.post("{\"name\":\"organization:1\"}"));
        ObjectNode tampered = body.deepCopy();
        ((ObjectNode) tampered.get("data")).set("key", tampered.remove("key"));

        assertThat(DOC.validate(DOC.responseSchema("/keys", "post", 201), tampered))
                .containsExactly("$: required property 'key' is missing");
    }

    @Test
    void listGetPatchDeleteAndKeyInfoAnswersConform() throws IOException {
        String hash = http.create("teacher:1").get("data").get("hash").asText();
        simulator.addKey("teacher:2", null, null);
        http.send(
                "PATCH",
                "/keys/"
                        + simulator
                                .addKey("teacher:3", BigDecimal.ONE, "weekly")
                                .hash(),
                "{\"disabled\":true}");

        JsonNode page = conforms(http.get("/keys?include_disabled=true&offset=0"), "/keys", "get", 200);
        assertThat(page.get("data")).hasSize(3);
        conforms(http.get("/keys/" + hash), "/keys/{hash}", "get", 200);
        conforms(
                http.send("PATCH", "/keys/" + hash, "{\"limit\":75,\"limit_reset\":null}"),
                "/keys/{hash}",
                "patch",
                200);
        conforms(http.get("/key"), "/key", "get", 200);
        JsonNode deleted = conforms(http.send("DELETE", "/keys/" + hash, null), "/keys/{hash}", "delete", 200);
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
    }

    @Test
    void spendMovesEveryUsageFieldOfListAndGetAndTheAnswersStillConform() throws IOException {
        String hash = http.create("teacher:1").get("data").get("hash").asText();
        simulator.spend(hash, new BigDecimal("1.25"));
        simulator.spend(hash, new BigDecimal("0.5"));
        http.send("PATCH", "/keys/" + hash, "{\"limit\":10,\"limit_reset\":\"daily\"}");

        JsonNode listed = conforms(http.get("/keys?offset=0"), "/keys", "get", 200)
                .get("data")
                .get(0);
        JsonNode one =
                conforms(http.get("/keys/" + hash), "/keys/{hash}", "get", 200).get("data");

        for (JsonNode key : java.util.List.of(listed, one)) {
            for (String field : java.util.List.of("usage", "usage_daily", "usage_weekly", "usage_monthly")) {
                assertThat(key.get(field).decimalValue()).as(field).isEqualByComparingTo("1.75");
            }
            assertThat(key.get("limit_remaining").decimalValue()).isEqualByComparingTo("8.25");
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "GET /key",
                "GET /keys",
                "POST /keys",
                "GET /keys/{hash}",
                "PATCH /keys/{hash}",
                "DELETE /keys/{hash}"
            })
    void wrongBearerAnswers401Conforming(String operation) throws IOException {
        String[] parts = operation.split(" ");
        String path = parts[1].replace("{hash}", "abc");

        HttpResponse<String> response =
                http.bearer("wrong").send(parts[0], path, parts[0].equals("GET") ? null : "{\"name\":\"x\"}");

        JsonNode body = conforms(response, parts[1], parts[0].toLowerCase(), 401);
        assertThat(body.get("error").get("code").asInt()).isEqualTo(401);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PATCH", "DELETE"})
    void unknownHashAnswers404Conforming(String method) throws IOException {
        HttpResponse<String> response =
                http.send(method, "/keys/0123abcd", method.equals("PATCH") ? "{\"limit\":1}" : null);

        conforms(response, "/keys/{hash}", method.toLowerCase(), 404);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                "{\"name\":\"\"}",
                "{\"name\":\"a\",\"limit\":-1}",
                "{\"name\":\"a\",\"limit_reset\":\"yearly\"}",
                "not json"
            })
    void invalidCreateAnswers400Conforming(String body) throws IOException {
        conforms(http.post(body), "/keys", "post", 400);

        assertThat(simulator.liveKeys()).isEmpty();
    }

    @Test
    void invalidPatchAndOffsetAnswer400Conforming() throws IOException {
        String hash = simulator.addKey("teacher:9", BigDecimal.TEN, "daily").hash();

        conforms(http.send("PATCH", "/keys/" + hash, "{\"limit\":\"lots\"}"), "/keys/{hash}", "patch", 400);
        conforms(http.get("/keys?offset=-1"), "/keys", "get", 400);
    }

    @Test
    void faultAnswersConform() throws IOException {
        simulator.enqueueCreateFaults(
                Fault.rateLimited(Duration.ofSeconds(3)),
                Fault.rateLimitedUntil(Instant.now()),
                Fault.status(500),
                Fault.status(400));

        conforms(http.post("{\"name\":\"a\"}"), "/keys", "post", 429);
        conforms(http.post("{\"name\":\"a\"}"), "/keys", "post", 429);
        conforms(http.post("{\"name\":\"a\"}"), "/keys", "post", 500);
        conforms(http.post("{\"name\":\"a\"}"), "/keys", "post", 400);
        simulator.setForbidden(true);
        conforms(http.post("{\"name\":\"a\"}"), "/keys", "post", 403);
    }

    private static JsonNode conforms(HttpResponse<String> response, String path, String method, int status) {
        return DOC.conforms(response, path, method, status);
    }
}
