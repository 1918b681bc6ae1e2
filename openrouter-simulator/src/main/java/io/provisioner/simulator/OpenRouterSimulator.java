package io.provisioner.simulator;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenRouter's key management API ({@code GET /key}, {@code GET/POST /keys}, {@code GET/PATCH/DELETE
 * /keys/{hash}}) and its guardrail endpoints ({@code /guardrails...}) over real HTTP on the JDK's built-in
 * server, shaped like OpenRouter's OpenAPI document,
 * with scriptable faults for tests and the demo.
 *
 * <p>Thread-safe: requests are served concurrently and every method may be called from any thread while
 * it runs. Start it with {@link #start()} or {@link #start(String, int, String)}; {@link #close()} stops
 * it and ends connections still open. It never logs a secret.
 */
public final class OpenRouterSimulator implements AutoCloseable {
    /** The management key a simulator accepts unless told otherwise. */
    public static final String DEFAULT_MANAGEMENT_KEY = "sim-management-key";
    /** How long a random {@code timeoutAfterCreate} hangs unless told otherwise. */
    public static final Duration DEFAULT_RANDOM_HANG = Duration.ofSeconds(35);

    private static final Logger LOG = LoggerFactory.getLogger(OpenRouterSimulator.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final HttpServer server;
    private final ExecutorService executor;
    private final SimKeyStore store;
    private final FaultPlan faults = new FaultPlan();
    private final FaultPlan deleteFaults = new FaultPlan();
    private final ConcurrentLinkedQueue<SimRequest> requests = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SimCall> calls = new ConcurrentLinkedQueue<>();
    private final SimHandler handler;
    private final KeysRoutes routes;
    private final SimGuardrails guardrails;
    private final String initialKey;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean controlEnabled = new AtomicBoolean();

    private OpenRouterSimulator(HttpServer server, String managementKey, Clock clock) {
        this.server = server;
        this.initialKey = managementKey;
        this.store = new SimKeyStore(clock);
        this.routes = new KeysRoutes(store, faults, deleteFaults);
        this.guardrails = new SimGuardrails(clock);
        this.handler = new SimHandler(
                routes, new GuardrailRoutes(guardrails, store), requests::add, calls::add, clock, managementKey);
        this.executor = Executors.newCachedThreadPool(daemonThreads());
        server.createContext("/", handler);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts on 127.0.0.1, on a free port, accepting {@link #DEFAULT_MANAGEMENT_KEY}. */
    public static OpenRouterSimulator start() {
        return start("127.0.0.1", 0, DEFAULT_MANAGEMENT_KEY);
    }

    /**
     * Starts on {@code bind}:{@code port} (0 for a free port), accepting {@code managementKey} as bearer,
     * on the system clock: the simulator's own composition root.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static OpenRouterSimulator start(String bind, int port, String managementKey) {
        return start(bind, port, managementKey, Clock.systemUTC());
    }

    /**
     * As {@link #start(String, int, String)}, with {@code clock} stamping keys ({@code created_at},
     * {@code updated_at}) and recorded requests.
     */
    public static OpenRouterSimulator start(String bind, int port, String managementKey, Clock clock) {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(clock, "clock");
        if (managementKey == null || managementKey.isEmpty()) {
            throw new IllegalArgumentException("managementKey must not be empty");
        }
        // Nagle's algorithm would hold small answers back ~40 ms behind delayed ACKs; read once per JVM.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 512);
            OpenRouterSimulator simulator = new OpenRouterSimulator(server, managementKey, clock);
            LOG.info("OpenRouter simulator listening on {}", simulator.baseUrl());
            return simulator;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the OpenRouter simulator to " + bind + ":" + port, e);
        }
    }

    /** The API base, e.g. {@code http://127.0.0.1:41234/api/v1}, without a trailing slash. */
    public String baseUrl() {
        String host = server.getAddress().getAddress().getHostAddress();
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + shown + ":" + port() + SimHandler.API_PREFIX;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The bearer currently accepted. */
    public String managementKey() {
        return handler.acceptedKey();
    }

    /** Keys not deleted, newest first. */
    public List<SimKey> liveKeys() {
        return store.live();
    }

    /** Live keys whose name is exactly {@code name}, newest first. */
    public List<SimKey> liveKeysNamed(String name) {
        return store.live().stream().filter(k -> k.name().equals(name)).toList();
    }

    /** A live key by hash. */
    public Optional<SimKey> key(String hash) {
        return store.get(hash);
    }

    /** Keys deleted through {@code DELETE /keys/{hash}}, oldest deletion first. */
    public List<SimKey> deletedKeys() {
        return store.deleted();
    }

    /** Adds a key directly, as if created earlier (no request is recorded): for seeding a test. */
    public SimKey addKey(String name, BigDecimal limit, String limitReset) {
        return store.create(Objects.requireNonNull(name, "name"), limit, limitReset);
    }

    /**
     * Records {@code usd} US dollars spent with a live key, as if the application had used it: its
     * {@code usage}, {@code usage_daily}, {@code usage_weekly} and {@code usage_monthly} grow by that much.
     *
     * @return the key after the spend; empty when no live key has this hash
     * @throws IllegalArgumentException when {@code usd} is negative
     */
    public Optional<SimKey> spend(String hash, BigDecimal usd) {
        if (usd.signum() < 0) {
            throw new IllegalArgumentException("usd must not be negative, was " + usd.toPlainString());
        }
        return store.spend(Objects.requireNonNull(hash, "hash"), usd);
    }

    /** Disables or enables a live key directly (no request is recorded); empty when unknown. */
    public Optional<SimKey> setDisabled(String hash, boolean disabled) {
        return store.update(
                hash,
                k -> new SimKey(
                        k.hash(),
                        k.name(),
                        k.secret(),
                        k.label(),
                        k.limit(),
                        k.limitReset(),
                        disabled,
                        k.createdAt(),
                        k.updatedAt()));
    }

    /**
     * Hashes of the keys created by a {@link Fault#createLate} fault, after the client may have given
     * up: keys that only an orphan sweep (or {@code reconcile --fix}) can find and delete.
     */
    public Set<String> keysCreatedLate() {
        return routes.createdLate();
    }

    /** Every request received, in order of arrival. */
    public List<SimRequest> requests() {
        return List.copyOf(requests);
    }

    /**
     * Every request answered (or hung up on) since the start or the last {@link #reset()}, with its status,
     * in the order the answers were decided.
     */
    public List<SimCall> calls() {
        return List.copyOf(calls);
    }

    /**
     * Serves the control API under {@link ControlApi#PREFIX} beside the key API, for a test or benchmark in
     * another process: reset, latency, allowed rate and the dump of {@link #calls()}. Off unless called;
     * unauthenticated, like the simulator's other knobs. Idempotent.
     */
    public OpenRouterSimulator enableControlApi() {
        if (controlEnabled.compareAndSet(false, true)) {
            server.createContext(ControlApi.PREFIX, new ControlApi(this));
        }
        return this;
    }

    /** The control API's base, e.g. {@code http://127.0.0.1:41234/_control}; served once enabled. */
    public String controlUrl() {
        return baseUrl().substring(0, baseUrl().length() - SimHandler.API_PREFIX.length()) + ControlApi.PREFIX;
    }

    /** How many requests had this method and a path starting with {@code pathPrefix}. */
    public long count(String method, String pathPrefix) {
        return requests.stream()
                .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
                .count();
    }

    /** Delays every answer by {@code latency}. */
    public void setLatency(Duration latency) {
        handler.setLatency(latency);
    }

    /**
     * Models OpenRouter allowing fewer calls than the client is configured for: from now on, calls to any
     * endpoint beyond {@code callsPerSecond} in a sliding one-second window answer 429 with the error body,
     * without {@code Retry-After} and without acting. 0 or negative: unlimited again.
     */
    public void allowRate(double callsPerSecond) {
        allowRate(callsPerSecond, false);
    }

    /**
     * As {@link #allowRate(double)}; with {@code sendRetryAfter} each refusal carries {@code Retry-After}
     * in whole seconds (at least 1) until the window admits a call again. Below 1 call a second, one call
     * acts per {@code 1 / callsPerSecond} seconds.
     */
    public void allowRate(double callsPerSecond, boolean sendRetryAfter) {
        handler.rateGate().allow(callsPerSecond, sendRetryAfter);
    }

    /** How many calls {@link #allowRate} refused with 429 since the start or the last {@link #reset()}. */
    public long rateLimitedCalls() {
        return handler.rateGate().refused();
    }

    /** Accepts only {@code key} from now on; other bearers get 401 with the error body. */
    public void setAcceptedManagementKey(String key) {
        handler.setAcceptedKey(key);
    }

    /** While true, every call gets 403 with the error body. */
    public void setForbidden(boolean forbidden) {
        handler.setForbidden(forbidden);
    }

    /** Faults for the next {@code POST /keys} calls, consumed in order, one per call. */
    public void enqueueCreateFaults(Fault... faults) {
        this.faults.enqueue(Arrays.asList(faults));
    }

    /** Faults consumed in order by the next creates of a key named {@code name}, before any other fault. */
    public void enqueueCreateFaultsFor(String name, Fault... faults) {
        this.faults.enqueueFor(name, Arrays.asList(faults));
    }

    /** Every create of a key named {@code name} suffers {@code fault} (null: none any more). */
    public void failCreatesFor(String name, Fault fault) {
        this.faults.always(name, fault);
    }

    /** Scripted faults not consumed yet. */
    public int pendingCreateFaults() {
        return faults.pending();
    }

    /**
     * Faults for the next {@code DELETE /keys/{hash}} calls, consumed in order, one per call: e.g.
     * {@code enqueueDeleteFaults(Fault.actThenStatus(502))} deletes the key and answers 502, a DELETE that
     * OpenRouter performed while the client is told it failed.
     *
     * @throws IllegalArgumentException for a fault that only a create can suffer ({@link Fault} says which)
     */
    public void enqueueDeleteFaults(Fault... faults) {
        deleteFaults.enqueue(deleteFaults(Arrays.asList(faults)));
    }

    /** Faults consumed in order by the next deletes of a key named {@code name}, before any other fault. */
    public void enqueueDeleteFaultsFor(String name, Fault... faults) {
        deleteFaults.enqueueFor(name, deleteFaults(Arrays.asList(faults)));
    }

    /**
     * Once the scripted delete faults are used up, each {@code DELETE /keys/{hash}} suffers one of these
     * faults with its probability (drawn in the map's iteration order), or none; e.g.
     * {@code Map.of(Fault.actThenStatus(502), 0.2)}.
     */
    public void setRandomDeleteFaults(Map<Fault, Double> probabilities, long seed) {
        deleteFaults(probabilities.keySet());
        deleteFaults.setRandom(probabilities, seed);
    }

    private static <C extends Collection<Fault>> C deleteFaults(C faults) {
        for (Fault f : faults) {
            if (!f.kind().appliesToDelete()) {
                throw new IllegalArgumentException(f.kind() + " is a fault of POST /keys only");
            }
        }
        return faults;
    }

    /**
     * Once the scripted faults are used up, each {@code POST /keys} answers 500 with probability {@code p500}
     * or creates the key and hangs {@link #DEFAULT_RANDOM_HANG} with probability {@code pTimeoutAfterCreate}.
     */
    public void setRandomCreateFaults(double p500, double pTimeoutAfterCreate, long seed) {
        setRandomCreateFaults(p500, pTimeoutAfterCreate, seed, DEFAULT_RANDOM_HANG);
    }

    /** As {@link #setRandomCreateFaults(double, double, long)}, hanging {@code hang} on a timeout. */
    public void setRandomCreateFaults(double p500, double pTimeoutAfterCreate, long seed, Duration hang) {
        faults.setRandom(p500, pTimeoutAfterCreate, seed, hang);
    }

    /**
     * Once the scripted faults are used up, each {@code POST /keys} suffers one of these faults with its
     * probability (drawn in the map's iteration order; use a {@link java.util.LinkedHashMap}), or none.
     */
    public void setRandomCreateFaults(Map<Fault, Double> probabilities, long seed) {
        faults.setRandom(probabilities, seed);
    }

    /**
     * Adds {@code count} keys named {@code namePrefix + i} directly (no request is recorded) with
     * {@code created_at} set to {@code createdAt}: an account that holds many other keys. They are listed
     * after every key added later, as if created before it.
     */
    public void seedKeys(int count, String namePrefix, Instant createdAt) {
        Objects.requireNonNull(namePrefix, "namePrefix");
        Objects.requireNonNull(createdAt, "createdAt");
        for (int i = 0; i < count; i++) {
            store.create(namePrefix + i, null, "monthly", createdAt);
        }
    }

    /**
     * Forgets keys, requests and faults, and restores the start settings (key, no latency, not forbidden,
     * no rate limit).
     */
    public void reset() {
        faults.clear();
        deleteFaults.clear();
        handler.rateGate().reset();
        store.clear();
        guardrails.clear();
        handler.reset(() -> {
            requests.clear();
            calls.clear();
        });
        handler.setLatency(Duration.ZERO);
        handler.setForbidden(false);
        handler.setAcceptedKey(initialKey);
    }

    /**
     * Adds a guardrail directly, as if created earlier (no request is recorded): for seeding a test. Answers
     * its id.
     *
     * @param limitUsd its budget in US dollars, or null for none
     * @param allowedModels the only models its keys may use; empty for any
     */
    public String addGuardrail(String name, BigDecimal limitUsd, List<String> allowedModels) {
        com.fasterxml.jackson.databind.node.ObjectNode fields = SimJson.MAPPER.createObjectNode();
        fields.put("name", Objects.requireNonNull(name, "name"));
        if (limitUsd != null) {
            fields.put("limit_usd", limitUsd);
        }
        if (!allowedModels.isEmpty()) {
            allowedModels.forEach(fields.putArray("allowed_models")::add);
        }
        return guardrails.create(fields, null).get("id").asText();
    }

    /** The guardrail the key {@code hash} is assigned to; empty for none. */
    public Optional<String> guardrailOfKey(String hash) {
        return guardrails.guardrailOfKey(hash);
    }

    /** Stops listening, ends open connections and hanging answers. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads() {
        int instance = INSTANCES.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "openrouter-sim-" + instance + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
