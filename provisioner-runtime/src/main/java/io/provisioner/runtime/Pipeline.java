package io.provisioner.runtime;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.cdc.CdcBridge;
import io.provisioner.cdc.LeaderLock;
import io.provisioner.core.config.ConfigException;
import io.provisioner.core.config.DatabaseWaits;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.config.Settings;
import io.provisioner.core.kafka.KafkaClientSettings;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.time.Ticker;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.db.CapturedPublication;
import io.provisioner.db.CapturedTables;
import io.provisioner.db.Database;
import io.provisioner.db.IntentFence;
import io.provisioner.db.JdbcKeyStore;
import io.provisioner.db.Migrator;
import io.provisioner.db.PolicyDrift;
import io.provisioner.db.ProvisioningQueries;
import io.provisioner.db.SweepPasses;
import io.provisioner.db.UsageQueries;
import io.provisioner.db.ratelimit.RateLimiters;
import io.provisioner.openrouter.OpenRouterClient;
import io.provisioner.retry.RetryScheduler;
import io.provisioner.runtime.connect.ConnectClient;
import io.provisioner.runtime.connect.ConnectWatch;
import io.provisioner.runtime.slot.SlotWatch;
import io.provisioner.runtime.sweep.OrphanSweep;
import io.provisioner.runtime.sweep.PolicySweep;
import io.provisioner.runtime.sweep.RateLimitedKeysApi;
import io.provisioner.runtime.sweep.RequestPublisher;
import io.provisioner.runtime.sweep.SweepLeader;
import io.provisioner.runtime.sweep.SweepSource;
import io.provisioner.runtime.sweep.Sweeper;
import io.provisioner.runtime.usage.UsageSync;
import io.provisioner.stream.ProvisionerStreamApp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires and runs the chosen components in this process from one {@link ProvisionerConfig}. Used by
 * {@code provisioner run}, {@code provisioner dev} and the end-to-end tests. Not thread-safe; start
 * once, close once.
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    /** Part of the configured rate the sweep's listings may take: provisioning keeps the rest. */
    public static final double SWEEP_SHARE = 0.1;
    /** Part of the configured rate the usage sync's listings may take, beside the sweep's. */
    public static final double USAGE_SHARE = 0.1;

    /** When the first policy sweep runs after start (or the interval, when shorter). */
    static final Duration POLICY_SWEEP_FIRST = Duration.ofSeconds(5);

    private final ProvisionerConfig config;
    private final Set<Components> components;
    private final MeterRegistry registry;
    private final Overrides overrides;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** The composition root's time: every component is handed these, none reads the system clock itself. */
    private final Clock clock = Clock.systemUTC();

    private final Ticker ticker = Ticker.system();
    private HikariDataSource dataSource;
    private DatabaseProbe database;
    private CdcBridge cdc;
    private ProvisionerStreamApp stream;
    private RetryScheduler retry;
    private RateLimiter limiter;
    private SweepLeader sweepLeader;
    private SlotWatch slot;
    private ConnectWatch connect;
    private Duration watchEvery = SlotWatch.EVERY;

    /**
     * Client settings that tests and the demo change without touching the contract's names: the Streams
     * application id, the scheduler's group id, and so on.
     */
    public record Overrides(Map<String, Object> streams, Map<String, Object> retry, Map<String, Object> cdcProducer) {
        public static Overrides none() {
            return new Overrides(Map.of(), Map.of(), Map.of());
        }
    }

    public Pipeline(ProvisionerConfig config, Set<Components> components, MeterRegistry registry, Overrides overrides) {
        this.config = config;
        this.components = components;
        this.registry = registry;
        this.overrides = overrides;
        registry.config().meterFilter(new PromtoolFriendlyNames());
    }

    /**
     * Validates what the chosen components require, migrates the database, creates the topics (once, for
     * every component of this process), starts.
     */
    public Pipeline start() {
        config.requireDatabase();
        if (components.contains(Components.CDC) && config.cdc().connectUrl().isPresent()) {
            throw new ConfigException(
                    Settings.CDC_CONNECT_URL.env(),
                    "is set, so CDC runs on Kafka Connect: leave cdc out of --components (or unset it)");
        }
        if (components.contains(Components.PROVISIONER)) {
            config.openRouter().requireKey();
            config.requireCipher();
        }
        // every wait bounded: an operator's row lock or a dead connection costs one record a retry
        dataSource = Database.open(config.requireDatabase(), "provisioner", poolSize(), DatabaseWaits.PIPELINE);
        closeables.add(dataSource);
        StartupRetry.run("migrate and capture checks", () -> {
            Migrator.migrate(dataSource, schema());
            CapturedTables.requireCapturable(dataSource, config.cdc().tables());
            if (components.contains(Components.CDC)) {
                // Debezium would fail on a permission error when it must add a table to a publication of another
                // role
                List<String> captured = new ArrayList<>(config.cdc().tables().keySet());
                captured.add(config.cdc().policiesTable());
                CapturedPublication.requireCapturing(dataSource, config.cdc().publication(), captured);
            }
        });
        if (components.contains(Components.PROVISIONER)
                && !config.limits().guardrailSettings().isEmpty()) {
            // before anything starts: an unknown guardrail is a configuration error (exit 2)
            try (OpenRouterClient api =
                    OpenRouterClient.create(config.openRouter(), new MicrometerCallListener(registry), clock)) {
                GuardrailCheck.requireKnown(
                        new RateLimitedKeysApi(
                                api, rateLimiter(), config.throttle().ratePerSecond(), 1.0),
                        config.limits());
            }
        }
        database = DatabaseProbe.start(dataSource);
        closeables.add(database);
        TopicCreator.ensure(
                KafkaClientSettings.of(config).admin().build(),
                config.topics(),
                config.kafka().partitions());
        if (components.contains(Components.RETRY)) {
            retry = new RetryScheduler(config, registry, clock, overrides.retry());
            retry.start();
            closeables.add(retry);
        }
        if (components.contains(Components.PROVISIONER)) {
            startProvisioner();
        }
        if (components.contains(Components.CDC)) {
            cdc = new CdcBridge(config, overrides.cdcProducer(), registry, clock, ticker);
            cdc.start();
            closeables.add(cdc);
        }
        if (components.contains(Components.SWEEP)) {
            sweepLeader = new SweepLeader(
                    LeaderLock.forSweep(config.requireDatabase(), config.cdc().slotName()));
            closeables.add(sweepLeader);
            startSweep();
            startUsageSync();
        }
        startWatches();
        closeables.add(Observability.start(
                config,
                registry,
                String.valueOf(overrides.streams().getOrDefault("application.id", ProvisionerStreamApp.APPLICATION_ID)),
                String.valueOf(overrides.retry().getOrDefault("group.id", RetryScheduler.GROUP_ID)),
                upComponents(),
                this::health,
                clock));
        LOG.info("started {}", components);
        return this;
    }

    /**
     * The slot is watched by the processes running cdc, or, when CDC runs on Kafka Connect, running the
     * sweep; these watch the connector too.
     */
    private void startWatches() {
        boolean onConnect = config.cdc().connectUrl().isPresent();
        if (components.contains(Components.CDC) || (onConnect && components.contains(Components.SWEEP))) {
            slot = SlotWatch.start(config.cdc().slotName(), dataSource, registry, clock, watchEvery);
            closeables.add(slot);
        }
        if (onConnect && components.contains(Components.SWEEP)) {
            connect = ConnectWatch.start(
                    new ConnectClient(config.cdc().connectUrl().get()), registry, watchEvery);
            closeables.add(connect);
        }
    }

    /** How often the slot and the connector are read (default {@link SlotWatch#EVERY}); call before start. */
    public Pipeline watchEvery(Duration every) {
        this.watchEvery = every;
        return this;
    }

    private void startProvisioner() {
        OpenRouterClient api =
                OpenRouterClient.create(config.openRouter(), new MicrometerCallListener(registry), clock);
        closeables.add(api);
        RateLimiter limiter = new MeteredRateLimiter(rateLimiter(), registry);
        ThrottledGauge.register(registry, limiter);
        JdbcKeyStore store = new JdbcKeyStore(
                dataSource, schema(), config.requireCipher(), config.cdc().ownerTables(), clock);
        stream = new ProvisionerStreamApp(config, api, store, limiter, registry, clock, overrides.streams());
        stream.start();
        closeables.add(stream);
    }

    /**
     * The anti-entropy sweep runs in the process that leads the sweep only, every PROVISIONER_SWEEP_INTERVAL; the
     * orphan sweep's full pass, when one is due, runs on a thread of its own so that its listing of the
     * whole account delays neither the sweep nor its incremental orphan passes.
     */
    private void startSweep() {
        Duration every = config.sweepInterval();
        if (every.isZero()) {
            return;
        }
        ProvisioningQueries queries =
                new ProvisioningQueries(dataSource, schema(), config.cdc().ownerTables(), clock);
        // requests must not be lost or doubled
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaClientSettings.of(config).idempotentProducer().build(),
                new StringSerializer(),
                new ByteArraySerializer());
        closeables.add(producer);
        OrphanSweep orphans = orphanSweep(queries, producer);
        Sweeper sweeper = new Sweeper(
                new SweepSource(
                        queries,
                        () -> GrouplessConsumer.open(config),
                        config.topics().dlt().name()),
                publisher(producer),
                orphans == null ? null : () -> orphans.incremental().fixed(),
                clock,
                every,
                Duration.ofMinutes(10),
                registry);
        schedule("sweep", every, sweeper::sweep);
        PolicyDrift drift = new PolicyDrift(dataSource, schema());
        PolicySweep policies = new PolicySweep(
                n -> drift.outOfStep(config.limits(), n),
                publisher(producer),
                PolicySweep.perPass(every, config.throttle().ratePerSecond(), SWEEP_SHARE),
                registry);
        // soon after start, so that a settings change made with a restart is rolled out within one interval
        schedule(
                "policy-sweep",
                POLICY_SWEEP_FIRST.compareTo(every) < 0 ? POLICY_SWEEP_FIRST : every,
                every,
                policies::sweep);
        if (orphans != null) {
            schedule("sweep-full", every, orphans::fullIfDue);
        }
    }

    /**
     * The usage sync runs beside the leading sweep only (one instance at a time), every
     * PROVISIONER_USAGE_SYNC_INTERVAL, with a rate-limited client of its own that takes at most
     * {@link #USAGE_SHARE} of the rate.
     */
    private void startUsageSync() {
        Duration every = config.usageSyncInterval();
        if (every.isZero() || config.openRouter().managementKey().isEmpty()) {
            return;
        }
        OpenRouterClient client =
                OpenRouterClient.create(config.openRouter(), new MicrometerCallListener(registry), clock);
        closeables.add(client);
        KeysApi api =
                new RateLimitedKeysApi(client, rateLimiter(), config.throttle().ratePerSecond(), USAGE_SHARE);
        UsageSync sync = new UsageSync(api, new UsageQueries(dataSource, schema()), clock, registry);
        schedule("usage-sync", every, sync::sync);
    }

    /** Runs {@code task} every {@code every} on a daemon thread of its own, while this process leads the sweep. */
    private void schedule(String name, Duration every, Callable<?> task) {
        schedule(name, every, every, task);
    }

    /** As {@link #schedule(String, Duration, Callable)}, the first time after {@code first}. */
    private void schedule(String name, Duration first, Duration every, Callable<?> task) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        closeables.add(() -> {
            timer.shutdownNow();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        if (sweepLeader.lead()) {
                            task.call();
                        }
                    } catch (Exception e) {
                        LOG.warn("{} failed; next in {}", name, every, e);
                    }
                },
                first.toMillis(),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private RequestPublisher publisher(KafkaProducer<String, byte[]> producer) {
        return new RequestPublisher(producer, config.topics().requestsRaw().name(), clock, "sweep");
    }

    /**
     * Null when this process has no management key: only the provisioner's processes can list keys then.
     * Its passes share one {@link RateLimitedKeysApi}, so together they take at most {@link #SWEEP_SHARE}.
     */
    private OrphanSweep orphanSweep(ProvisioningQueries queries, KafkaProducer<String, byte[]> producer) {
        if (config.openRouter().managementKey().isEmpty()) {
            LOG.info("no OpenRouter management key here: the sweep does not look for orphan keys");
            return null;
        }
        OpenRouterClient client =
                OpenRouterClient.create(config.openRouter(), new MicrometerCallListener(registry), clock);
        closeables.add(client);
        KeysApi api =
                new RateLimitedKeysApi(client, rateLimiter(), config.throttle().ratePerSecond(), SWEEP_SHARE);
        return new OrphanSweep(
                api,
                queries,
                new SweepPasses(dataSource, schema()),
                new IntentFence(dataSource, schema(), clock),
                config.keyNames(),
                () -> publisher(producer),
                clock,
                config.orphanGrace());
    }

    /** This process's one limiter of OpenRouter calls, shared by the provisioner and the sweep. */
    private synchronized RateLimiter rateLimiter() {
        if (limiter == null) {
            limiter = RateLimiters.configured(config, dataSource, clock);
        }
        return limiter;
    }

    /** The names {@code provisioner_up} and {@code /health} report on, beside the database. */
    private List<String> upComponents() {
        List<String> names = new ArrayList<>(components.stream()
                .map(c -> c.name().toLowerCase(java.util.Locale.ROOT))
                .toList());
        if (connect != null) {
            names.add("connect");
        }
        if (slot != null) {
            names.add("slot");
        }
        return names;
    }

    private int poolSize() {
        return 2
                // a connection per stream thread, and the rate limiter, sweep and probes beside them
                + (components.contains(Components.PROVISIONER) ? ProvisionerStreamApp.streamThreads(config) + 2 : 0)
                + (components.contains(Components.CDC) ? 2 : 0)
                + (components.contains(Components.SWEEP) ? 1 : 0);
    }

    private String schema() {
        return config.cdc().schema();
    }

    /** Per component: healthy or not, with a reason. */
    public Map<String, Health> health() {
        Map<String, Health> out = new LinkedHashMap<>();
        if (database != null) {
            out.put("database", database.health());
        }
        if (cdc != null) {
            out.put("cdc", new Health(cdc.isHealthy(), cdc.isActive() ? "active" : "standby"));
        }
        if (stream != null) {
            Instant throttledUntil =
                    limiter == null ? null : limiter.throttledUntil().orElse(null);
            out.put("provisioner", new Health(stream.healthy(), stream.healthDetail(), throttledUntil));
        }
        if (retry != null) {
            out.put("retry", new Health(retry.healthy(), retry.healthy() ? "running" : "stopped"));
        }
        if (sweepLeader != null) {
            out.put("sweep", new Health(true, sweepLeader.leading() ? "active" : "standby"));
        }
        if (connect != null) {
            out.put(
                    "connect",
                    new Health(connect.last().healthy(), connect.last().summary()));
        }
        if (slot != null) {
            out.put("slot", new Health(slot.problem().isEmpty(), slot.detail()));
        }
        return out;
    }

    /**
     * Per component: live or stuck, for {@code /health/live}. Only what a restart of the process cures
     * turns a component down: a dead or stuck loop (its stream threads, the retry scheduler's polling,
     * the CDC leader checks). A rejected management key, a down database or broker, a failing CDC engine
     * leave it up: {@link #health()} reports those, and restarting would not help.
     */
    public Map<String, Health> liveness() {
        Map<String, Health> out = new LinkedHashMap<>();
        if (cdc != null) {
            out.put("cdc", new Health(cdc.isLive(), cdc.liveDetail()));
        }
        if (stream != null) {
            String stuck = stream.stuck();
            out.put("provisioner", new Health(stuck == null, stuck == null ? "stream threads polling" : stuck));
        }
        if (retry != null) {
            out.put("retry", new Health(retry.live(), retry.liveDetail()));
        }
        return out;
    }

    /**
     * @param throttledUntil while OpenRouter's {@code Retry-After} pauses the component's calls, when that
     *     pause ends; null when it is not throttled. A throttled component is still healthy.
     */
    public record Health(boolean up, String detail, Instant throttledUntil) {
        public Health(boolean up, String detail) {
            this(up, detail, null);
        }
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}", closeables.get(i).getClass().getSimpleName(), e);
            }
        }
        closeables.clear();
    }
}
