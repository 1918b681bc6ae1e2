package io.provisioner.stream.fakes;

import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.ports.ApiKey;
import io.provisioner.core.ports.CreatedKey;
import io.provisioner.core.ports.KeyLimits;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.secret.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** An in-memory OpenRouter with scriptable failures per operation. Thread-safe. */
public final class FakeKeysApi implements KeysApi {

    public enum Op {
        VERIFY,
        CREATE,
        GET,
        LIST,
        UPDATE,
        DELETE
    }

    private final Map<String, ApiKey> keys = new LinkedHashMap<>();
    private final Map<Op, Deque<Supplier<RuntimeException>>> scripted = new EnumMap<>(Op.class);
    private final List<String> calls = new ArrayList<>();
    private final java.util.Set<String> guardrails = new java.util.HashSet<>();
    private final Map<String, String> assigned = new java.util.HashMap<>();
    private volatile Supplier<RuntimeException> rejectAll;
    private int createsThatTimeOutAfterCommit;
    private int assignsThatAssignNothing;
    private Runnable beforeNextUpdate;
    private final Deque<Supplier<RuntimeException>> deletesThatFailAfterActing = new ArrayDeque<>();

    /** The next call of {@code op} fails with {@code failure}; queued per operation. */
    public synchronized FakeKeysApi failNext(Op op, Supplier<RuntimeException> failure) {
        scripted.computeIfAbsent(op, o -> new ArrayDeque<>()).add(failure);
        return this;
    }

    /** Every call answers {@code status} (e.g. 401) until {@link #acceptAll()}. */
    public FakeKeysApi rejectAll(int status) {
        rejectAll = () -> ErrorClassifier.http("call", status, "management key rejected", null);
        return this;
    }

    public FakeKeysApi acceptAll() {
        rejectAll = null;
        return this;
    }

    /** The next create makes the key on the server, then fails as if the answer was lost. */
    public synchronized FakeKeysApi timeOutNextCreateAfterCommit() {
        createsThatTimeOutAfterCommit++;
        return this;
    }

    /** The next DELETE removes the key, then fails with {@code failure}: the answer was lost or a 5xx. */
    public synchronized FakeKeysApi deleteThenFailNext(Supplier<RuntimeException> failure) {
        deletesThatFailAfterActing.add(failure);
        return this;
    }

    /** Runs {@code action} when the next PATCH arrives, before it is carried out: another worker's change. */
    public synchronized FakeKeysApi beforeNextUpdate(Runnable action) {
        beforeNextUpdate = action;
        return this;
    }

    public static Supplier<RuntimeException> http(int status, Duration retryAfter) {
        return () -> ErrorClassifier.http("POST /keys", status, "scripted", retryAfter);
    }

    /** A key that exists on the server before the test. */
    public synchronized ApiKey seed(String name, KeyLimits limits) {
        ApiKey k = newKey(name, limits);
        keys.put(k.hash(), k);
        return k;
    }

    /** A key created on the server at {@code createdAt}, before the test. */
    public synchronized ApiKey seed(String name, KeyLimits limits, Instant createdAt) {
        ApiKey k = newKey(name, limits);
        ApiKey dated = new ApiKey(k.hash(), name, k.label(), false, k.limit(), k.limitReset(), createdAt);
        keys.put(dated.hash(), dated);
        return dated;
    }

    public synchronized List<ApiKey> keys() {
        return List.copyOf(keys.values());
    }

    public synchronized List<ApiKey> keysNamed(String name) {
        return keys.values().stream().filter(k -> k.name().equals(name)).toList();
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    public synchronized long callsOf(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).count();
    }

    @Override
    public synchronized void verifyCredentials() {
        enter(Op.VERIFY, "GET /key");
    }

    @Override
    public synchronized CreatedKey create(String name, KeyLimits limits) {
        enter(Op.CREATE, "POST /keys " + name);
        ApiKey k = newKey(name, limits);
        keys.put(k.hash(), k);
        if (createsThatTimeOutAfterCommit > 0) {
            createsThatTimeOutAfterCommit--;
            throw new RetryableException("POST /keys timed out: SocketTimeoutException", null, null, true);
        }
        return new CreatedKey(
                k, new Secret("sk-or-v1-" + UUID.randomUUID().toString().replace("-", "")));
    }

    /** A guardrail OpenRouter has, to which keys may be assigned. */
    public synchronized FakeKeysApi addGuardrail(String id) {
        guardrails.add(id);
        return this;
    }

    /** Deletes a guardrail on the server, and with it its assignments (as OpenRouter does). */
    public synchronized FakeKeysApi removeGuardrail(String id) {
        guardrails.remove(id);
        assigned.values().removeIf(id::equals);
        return this;
    }

    /** The next assignment answers 200 with {@code assigned_count} 0 and assigns nothing. */
    public synchronized FakeKeysApi assignNothingNext() {
        assignsThatAssignNothing++;
        return this;
    }

    /** The guardrail the key is assigned to; empty for none. */
    public synchronized Optional<String> guardrailOf(String hash) {
        return Optional.ofNullable(assigned.get(hash));
    }

    @Override
    public synchronized boolean guardrailExists(String guardrailId) {
        calls.add("GET /guardrails/" + guardrailId);
        return guardrails.contains(guardrailId);
    }

    @Override
    public synchronized int assignGuardrail(String guardrailId, List<String> keyHashes) {
        calls.add("POST /guardrails/" + guardrailId + "/assignments/keys");
        if (!guardrails.contains(guardrailId) || !keys.keySet().containsAll(keyHashes)) {
            throw ErrorClassifier.http("POST /guardrails/{id}/assignments/keys", 404, "Guardrail not found", null);
        }
        if (assignsThatAssignNothing > 0) {
            assignsThatAssignNothing--;
            return 0;
        }
        keyHashes.forEach(h -> assigned.put(h, guardrailId));
        return keyHashes.size();
    }

    @Override
    public synchronized int unassignGuardrail(String guardrailId, List<String> keyHashes) {
        calls.add("POST /guardrails/" + guardrailId + "/assignments/keys/remove");
        if (!guardrails.contains(guardrailId)) {
            throw ErrorClassifier.http(
                    "POST /guardrails/{id}/assignments/keys/remove", 404, "Guardrail not found", null);
        }
        int n = 0;
        for (String h : keyHashes) {
            n += assigned.remove(h, guardrailId) ? 1 : 0;
        }
        return n;
    }

    @Override
    public synchronized Optional<ApiKey> get(String hash) {
        enter(Op.GET, "GET /keys/" + hash);
        return Optional.ofNullable(keys.get(hash));
    }

    @Override
    public synchronized List<ApiKey> list(int offset, boolean includeDisabled) {
        enter(Op.LIST, "GET /keys?offset=" + offset);
        List<ApiKey> newestFirst = new ArrayList<>(keys.values());
        Collections.reverse(newestFirst);
        int from = Math.min(offset, newestFirst.size());
        return List.copyOf(newestFirst.subList(from, Math.min(from + PAGE_SIZE, newestFirst.size())));
    }

    @Override
    public synchronized ApiKey updateLimits(String hash, KeyLimits limits) {
        enter(Op.UPDATE, "PATCH /keys/" + hash);
        Runnable meanwhile = beforeNextUpdate;
        beforeNextUpdate = null;
        if (meanwhile != null) {
            meanwhile.run();
        }
        ApiKey old = keys.get(hash);
        if (old == null) {
            throw ErrorClassifier.http("PATCH /keys/" + hash, 404, "not found", null);
        }
        ApiKey k = new ApiKey(hash, old.name(), old.label(), false, limits.limit(), limits.reset(), old.createdAt());
        keys.put(hash, k);
        return k;
    }

    @Override
    public synchronized boolean delete(String hash) {
        enter(Op.DELETE, "DELETE /keys/" + hash);
        boolean existed = keys.remove(hash) != null;
        if (!deletesThatFailAfterActing.isEmpty()) {
            throw deletesThatFailAfterActing.poll().get();
        }
        return existed;
    }

    private void enter(Op op, String call) {
        calls.add(call);
        Supplier<RuntimeException> all = rejectAll;
        if (all != null) {
            throw all.get();
        }
        Deque<Supplier<RuntimeException>> q = scripted.get(op);
        if (q != null && !q.isEmpty()) {
            throw q.poll().get();
        }
    }

    private static ApiKey newKey(String name, KeyLimits limits) {
        String hash = UUID.randomUUID().toString().replace("-", "");
        return new ApiKey(
                hash,
                name,
                "sk-or-v1-" + hash.substring(0, 3) + "...",
                false,
                limits.limit(),
                limits.reset(),
                Instant.now());
    }
}
