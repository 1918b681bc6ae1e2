package io.provisioner.openrouter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.provisioner.core.config.OpenRouterConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyAssignment;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeyUsage;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.secret.Secret;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.Authenticator;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * {@link KeysApi} over OpenRouter's management API with OkHttp. Throws only the core's
 * {@code RetryableException}, {@code FatalException} and {@code CredentialsException}; never puts the
 * management key or a created key in a message or a log line.
 *
 * <p>Every request is sent exactly once: OpenRouter has no idempotency key, so a re-sent {@code POST
 * /keys} could create a second key. OkHttp's retry on connection failure, redirects and authentication
 * follow-ups are off, and {@link SentTracker#SEND_ONCE} refuses whatever follow-up OkHttp still attempts
 * by itself (a 503 with {@code Retry-After: 0}, a 408, a 421). A failure after the request was sent is a
 * {@code RetryableException} with {@code outcomeUnknown()} true and the caller decides.
 *
 * <p>Thread-safe; one instance per process is enough. {@link #close()} releases its threads and
 * connections.
 */
public final class OpenRouterClient implements KeysApi, AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");

    /** How long an idle connection stays pooled: below common servers' keep-alive timeouts (see the pool). */
    static final Duration POOL_IDLE = Duration.ofMillis(1500);

    private final HttpUrl base;
    /** {@code <base>/keys}, built once: every create is sent to it. */
    private final HttpUrl keys;

    private final OkHttpClient http;
    private final HttpCall calls;

    /** A client for {@code config}'s base URL, management key (required) and call timeout. */
    public static OpenRouterClient create(OpenRouterConfig config, Clock clock) {
        return create(config, CallListener.NONE, clock);
    }

    /** As {@link #create(OpenRouterConfig, Clock)}, telling {@code listener} about every call. */
    public static OpenRouterClient create(OpenRouterConfig config, CallListener listener, Clock clock) {
        return new OpenRouterClient(config.baseUrl(), config.requireKey(), config.callTimeout(), listener, clock);
    }

    /**
     * @param baseUrl the API base, e.g. {@code https://openrouter.ai/api/v1}
     * @param callTimeout the limit of one call from connect to last byte; also bounds connect, read and write
     * @param clock reads a {@code Retry-After} given as a date
     */
    public OpenRouterClient(
            URI baseUrl, Secret managementKey, Duration callTimeout, CallListener listener, Clock clock) {
        Objects.requireNonNull(managementKey, "managementKey");
        Objects.requireNonNull(clock, "clock");
        if (callTimeout == null || callTimeout.isNegative() || callTimeout.isZero()) {
            throw new IllegalArgumentException("callTimeout must be positive, was " + callTimeout);
        }
        this.base = HttpUrl.get(Objects.requireNonNull(baseUrl, "baseUrl").toString());
        this.keys = url("keys");
        this.http = new OkHttpClient.Builder()
                .connectTimeout(callTimeout)
                .readTimeout(callTimeout)
                .writeTimeout(callTimeout)
                .callTimeout(callTimeout)
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .followSslRedirects(false)
                .authenticator(Authenticator.NONE)
                .proxyAuthenticator(Authenticator.NONE)
                .addNetworkInterceptor(SentTracker.SEND_ONCE)
                // below the keep-alive timeouts of common servers (gunicorn 2 s; Node, uvicorn, Apache 5 s), so
                // that a create is never sent on a connection the server is closing: that makes its outcome
                // unknown and costs the owner a backoff. Still above the default pace's 1.1 s between calls.
                .connectionPool(new ConnectionPool(5, POOL_IDLE.toMillis(), TimeUnit.MILLISECONDS))
                .eventListenerFactory(SentTracker.FACTORY)
                .build();
        this.calls = new HttpCall(http, managementKey, listener == null ? CallListener.NONE : listener, clock);
    }

    @Override
    public void verifyCredentials() {
        calls.execute("GET /key", request(url("key")).get().build(), root -> null, null, false);
    }

    @Override
    public CreatedKey create(String name, KeyLimits limits) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("name", Objects.requireNonNull(name, "name"));
        putLimits(body, limits);
        return calls.execute("POST /keys", request(keys).post(json(body)).build(), KeyParser::created, null, true);
    }

    @Override
    public Optional<ApiKey> get(String hash) {
        return calls.execute(
                "GET /keys/{hash}",
                request(url("keys", hash)).get().build(),
                root -> Optional.of(KeyParser.one(root)),
                Optional::empty,
                false);
    }

    @Override
    public List<ApiKey> list(int offset, boolean includeDisabled) {
        return calls.execute(
                "GET /keys", request(page(offset, includeDisabled)).get().build(), KeyParser::page, null, false);
    }

    @Override
    public List<KeyUsage> listUsage(int offset) {
        return calls.execute("GET /keys", request(page(offset, true)).get().build(), KeyParser::usagePage, null, false);
    }

    private HttpUrl page(int offset, boolean includeDisabled) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, was " + offset);
        }
        return keys.newBuilder()
                .addQueryParameter("offset", Integer.toString(offset))
                .addQueryParameter("include_disabled", Boolean.toString(includeDisabled))
                .build();
    }

    @Override
    public ApiKey updateLimits(String hash, KeyLimits limits) {
        return patch(hash, Json.MAPPER.createObjectNode(), limits);
    }

    @Override
    public ApiKey rename(String hash, String name, KeyLimits limits) {
        return patch(hash, Json.MAPPER.createObjectNode().put("name", Objects.requireNonNull(name, "name")), limits);
    }

    /** {@code PATCH /keys/{hash}} with {@code body} plus the limit and its reset. */
    private ApiKey patch(String hash, ObjectNode body, KeyLimits limits) {
        putLimits(body, limits);
        return calls.execute(
                "PATCH /keys/{hash}",
                request(url("keys", hash)).patch(json(body)).build(),
                KeyParser::one,
                null,
                false);
    }

    @Override
    public boolean delete(String hash) {
        return calls.execute(
                "DELETE /keys/{hash}", request(url("keys", hash)).delete().build(), root -> true, () -> false, false);
    }

    @Override
    public boolean guardrailExists(String guardrailId) {
        return calls.execute(
                "GET /guardrails/{id}",
                request(url("guardrails", guardrailId)).get().build(),
                root -> true,
                () -> false,
                false);
    }

    @Override
    public int assignGuardrail(String guardrailId, List<String> keyHashes) {
        return assignments(guardrailId, keyHashes, "POST /guardrails/{id}/assignments/keys", "assigned_count");
    }

    @Override
    public int unassignGuardrail(String guardrailId, List<String> keyHashes) {
        return assignments(guardrailId, keyHashes, "POST /guardrails/{id}/assignments/keys/remove", "unassigned_count");
    }

    @Override
    public List<KeyAssignment> listKeyAssignments(int offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, was " + offset);
        }
        HttpUrl url = url("guardrails", "assignments", "keys")
                .newBuilder()
                .addQueryParameter("offset", Integer.toString(offset))
                .addQueryParameter("limit", Integer.toString(PAGE_SIZE))
                .build();
        return calls.execute(
                "GET /guardrails/assignments/keys", request(url).get().build(), KeyParser::assignmentPage, null, false);
    }

    private int assignments(String guardrailId, List<String> keyHashes, String operation, String countField) {
        if (keyHashes.isEmpty()) {
            throw new IllegalArgumentException("keyHashes must not be empty");
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        keyHashes.forEach(body.putArray("key_hashes")::add);
        HttpUrl url = operation.endsWith("/remove")
                ? url("guardrails", guardrailId, "assignments", "keys", "remove")
                : url("guardrails", guardrailId, "assignments", "keys");
        return calls.execute(
                operation,
                request(url).post(json(body)).build(),
                root -> root.path(countField).asInt(),
                null,
                false);
    }

    /** Releases the client's threads and pooled connections; calls afterwards fail. */
    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private static void putLimits(ObjectNode body, KeyLimits limits) {
        Objects.requireNonNull(limits, "limits");
        body.put("limit", limits.limit());
        body.put("limit_reset", limits.reset().wire());
    }

    private HttpUrl url(String... segments) {
        HttpUrl.Builder url = base.newBuilder();
        for (String segment : segments) {
            url.addPathSegment(Objects.requireNonNull(segment, "path segment"));
        }
        return url.build();
    }

    private static Request.Builder request(HttpUrl url) {
        return new Request.Builder().url(url);
    }

    private static RequestBody json(ObjectNode body) {
        try {
            return RequestBody.create(Json.MAPPER.writeValueAsString(body), JSON);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a request body", e);
        }
    }
}
