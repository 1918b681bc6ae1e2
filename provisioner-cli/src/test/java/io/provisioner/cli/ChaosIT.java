package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.secret.Secret;
import io.provisioner.simulator.Fault;
import io.provisioner.simulator.OpenRouterSimulator;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * cdc-bridge, two provisioner-stream instances and retry-scheduler run as separate {@code provisioner run}
 * processes of the packaged jar; while 300 owners are inserted, they are SIGKILLed at random moments and
 * started again, and each is frozen once (SIGSTOP) for longer than the session timeout and then resumed
 * (SIGCONT), a zombie whose partitions moved on meanwhile. In the end every owner has exactly one key,
 * stored and decryptable, and nothing is left over or dead-lettered. A few creates fail (500; a timeout
 * after OpenRouter created the key; a key created, then 503 with {@code Retry-After: 0}; a key created
 * only after the client gave up; a 429 whose {@code Retry-After} is hours or decades) so that the retry
 * path and its scheduler are under fire too.
 *
 * <p>Neighbours misbehave meanwhile: some owners are deleted, and some of those inserted again under the
 * same id within the retry backoff, also while a provisioner is frozen (its zombie holds "owner gone");
 * a few {@code DELETE}s are carried out by OpenRouter but answered 502; an operator holds a job row
 * {@code FOR UPDATE} while that owner's row is deleted. Deleted owners must end with no live key.
 *
 * <p>A key created after the client gave up and after a later attempt stored the owner's key is found
 * by nothing but an orphan sweep. The audit therefore first checks everything else with exactly those
 * keys (the simulator knows them) set aside, then runs {@code provisioner reconcile --fix --grace 0s}
 * and checks everything, strictly.
 *
 * <p>An operator rotates keys meanwhile with {@code provisioner rotate-keys}, each run a process of the
 * packaged jar: {@code --older-than 0s} twice, SIGKILLed once it has rotated some owners, and
 * {@code --owner TYPE:ID} four times, every other run SIGKILLed at a random moment and run again afterwards.
 * The application changes owners' limits in {@code ai_key_policies} (rows inserted, limits updated) while
 * processes are down and while their owner is being rotated. Once the storm is over (and creates no longer
 * fail), {@code rotate-keys --older-than 0s} runs to its end, finishing what the killed runs left (a new key
 * created but not stored, an old key revoked but not deleted) as it rotates every owner once more. The
 * audit then also demands that no revoked key is live and that each owner's stored {@code key_limit} and
 * its live key's {@code limit} are its policy's limit (or the owner type's default).
 *
 * <p>The seed is printed; {@code -Dchaos.seed=N} repeats a run's kill plan and insert shapes (not its
 * timing, which the machine decides). Child logs stay in {@code target/chaos/<schema>/}.
 */
@ExtendWith(SharedInfra.class)
class ChaosIT {

    private static final int OWNERS = 300;
    private static final String RUNNING = "running [";
    private static final int MIN_FREEZE_MS = 11_000;
    private static final int MAX_FREEZE_MS = 13_000;
    private static final BigDecimal TEACHER_LIMIT = new BigDecimal("50");
    private static final BigDecimal ORG_LIMIT = new BigDecimal("200");
    /** One owner's result line of rotate-keys. */
    private static final Pattern ROTATE_RESULT =
            Pattern.compile("(?m)^(organization|teacher):\\S+\\s+(rotated|skipped|failed|delete_pending)\\s");

    private final String schema = TestNames.unique("chaos");
    private final List<ChaosProcess> processes = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final ExecutorService chaosThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "chaos"));
    private final ScheduledExecutorService thawer =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "chaos-thaw"));
    private final ExecutorService operatorThread =
            Executors.newSingleThreadExecutor(r -> new Thread(r, "chaos-operator"));
    private final AtomicInteger reinserted = new AtomicInteger();
    private final ExecutorService rotatorThread =
            Executors.newSingleThreadExecutor(r -> new Thread(r, "chaos-rotate-keys"));
    /** Exit codes of the rotate-keys runs of the storm that were not killed. */
    private final List<Integer> rotateExits = new CopyOnWriteArrayList<>();

    private final AtomicInteger rotationsKilledMidRun = new AtomicInteger();
    private final AtomicInteger ownerRotationsKilled = new AtomicInteger();
    /** Set once the operator's first rotate-keys run of the storm starts, and once its last one ended. */
    private final AtomicBoolean rotationsBegun = new AtomicBoolean();

    private final AtomicBoolean rotationsOver = new AtomicBoolean();
    private volatile Process rotateRun;
    private ChaosProcess rotator;
    private final ScheduledExecutorService monitor =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "chaos-progress"));
    private Infra infra;
    private OpenRouterSimulator simulator;
    private String encryptionKey;
    private Path stateRoot;
    private long startedAt;
    private ChaosAudit audit;

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        this.infra = infra;
        this.simulator = OpenRouterSimulator.start();
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.encryptionKey = Base64.getEncoder().encodeToString(key);
        this.stateRoot = Files.createTempDirectory("chaos-state");
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            s.execute("create schema " + schema);
            s.execute("create table " + schema + ".organizations (id uuid primary key, name text)");
            s.execute("create table " + schema + ".teachers (id uuid primary key, name text, organization_id uuid)");
        }
        Path logs = Files.createDirectories(Path.of("target", "chaos", schema));
        // every lifetime runs the same binary, even if a build in this folder replaces target/provisioner.jar
        Path jar = Files.copy(Path.of("target", "provisioner.jar"), stateRoot.resolve("provisioner.jar"));
        // the sweep finds the rows of a multi-row insert Debezium may skip after a restart (CdcBridge)
        processes.add(new ChaosProcess(jar, "cdc", "cdc,sweep", env("cdc"), logs));
        processes.add(new ChaosProcess(jar, "provisioner-1", "provisioner", env("provisioner-1"), logs));
        processes.add(new ChaosProcess(jar, "provisioner-2", "provisioner", env("provisioner-2"), logs));
        processes.add(new ChaosProcess(jar, "retry", "retry", env("retry"), logs));
        // the operator's one-off rotate-keys runs
        rotator = new ChaosProcess(jar, "rotate", "rotate-keys", env("rotate"), logs);
    }

    private Map<String, String> env(String process) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", infra.jdbcUrl());
        env.put("DATABASE_USER", infra.dbUser());
        env.put("DATABASE_PASSWORD", infra.dbPassword());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("OPENROUTER_BASE_URL", simulator.baseUrl());
        env.put("OPENROUTER_PROVISIONING_KEY", simulator.managementKey());
        env.put("OR_HTTP_TIMEOUT_MS", "2000");
        env.put("PROVISIONER_ENCRYPTION_KEY", encryptionKey);
        env.put("PROVISIONER_TOPIC_PREFIX", schema);
        env.put("PROVISIONER_PARTITIONS", "4");
        env.put("PROVISIONER_STATE_DIR", stateRoot.resolve(process).toString());
        env.put("PROVISIONER_HTTP_PORT", "0");
        env.put("PROVISIONER_SWEEP_INTERVAL", "5s");
        env.put("OR_TEACHER_LIMIT", TEACHER_LIMIT.toPlainString());
        env.put("OR_ORG_LIMIT", ORG_LIMIT.toPlainString());
        env.put("CDC_TABLES", schema + ".organizations," + schema + ".teachers");
        env.put("CDC_SLOT_NAME", schema);
        env.put("CDC_PUBLICATION", schema + "_pub");
        env.put("CDC_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("OR_RATE_PER_SEC", "50");
        env.put("OR_BACKOFF_INITIAL_MS", "500");
        env.put("OR_BACKOFF_MAX_MS", "2000");
        // the 429s below ask for hours; the test waits minutes
        env.put("OR_MAX_RETRY_AFTER", "2s");
        return env;
    }

    @Test
    void everyOwnerEndsWithExactlyOneKeyWhileComponentsAreKilled() throws Throwable {
        long seed = Long.getLong("chaos.seed", new SecureRandom().nextLong());
        System.out.printf(
                "ChaosIT seed %d (repeat with -Dchaos.seed=%d), logs in target/chaos/%s%n", seed, seed, schema);
        startedAt = System.nanoTime();
        audit = new ChaosAudit(
                infra, schema, simulator, cipher(), Map.of("teacher", TEACHER_LIMIT, "organization", ORG_LIMIT));
        try {
            // given: the pipeline up as four processes, and OpenRouter failing a few creates
            for (ChaosProcess p : processes) {
                p.start();
            }
            awaitAllRunning();
            simulator.setRandomCreateFaults(createFaults(), seed);
            simulator.setRandomDeleteFaults(deleteFaults(), seed + 3);

            // when: owners are inserted (and some deleted, some of those inserted again) over a minute or
            // so while processes are killed, frozen and restarted, and an operator locks job rows
            ChaosOwners owners = new ChaosOwners(infra, schema, new Random(seed + 1));
            Future<?> chaos = chaosThread.submit(() -> {
                unleash(new Random(seed), owners);
                return null;
            });
            ScheduledFuture<?> progress = monitor.scheduleWithFixedDelay(this::progress, 10, 10, TimeUnit.SECONDS);
            Future<?> operator = operatorThread.submit(() -> {
                lockJobRowsWhileDeleting(owners, new Random(seed + 4));
                return null;
            });
            Future<?> rotations = rotatorThread.submit(() -> {
                rotateWhileKilling(owners, new Random(seed + 5));
                return null;
            });
            insertOverTime(owners, new Random(seed + 2));
            chaos.get(5, TimeUnit.MINUTES);
            operator.get(2, TimeUnit.MINUTES);
            rotations.get(5, TimeUnit.MINUTES);

            // creates stop failing, so that a full rotation can end without leaving anything itself
            simulator.setRandomCreateFaults(new LinkedHashMap<>(), seed);
            event("chaos over; creates no longer fail; rotate-keys --older-than 0s to its end");
            int rotated = rotateEveryOwner();
            event("waiting for the pipeline to converge");

            // then: in step, apart from keys created after their client gave up
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofSeconds(2))
                    .failFast("a process exited on its own", this::anyExitedOnItsOwn)
                    .untilAsserted(
                            () -> assertThat(audit.problemsIgnoring(owners.present(), simulator.keysCreatedLate()))
                                    .isEmpty());
            progress.cancel(false);
            event("converged but for " + audit.liveUnstored(simulator.keysCreatedLate()) + " of "
                    + simulator.keysCreatedLate().size() + " keys created late; reconcile --fix --grace 0s");
            int reconciled = processes.get(0).runOnce("reconcile", "--fix", "--grace", "0s");
            assertThat(reconciled)
                    .as("reconcile --fix exit code (1: was out of step)")
                    .isIn(0, 1);
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(
                            () -> assertThat(audit.problems(owners.present())).isEmpty());
            event("converged");
            // and stays so: no late create from a retry, a duplicate request or a sweep
            await().during(Duration.ofSeconds(12))
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(
                            () -> assertThat(audit.problems(owners.present())).isEmpty());
            assertThat(owners.inserted()).hasSize(OWNERS).doesNotHaveDuplicates();
            assertThat(owners.gone()).as("owners deleted for good").hasSizeGreaterThanOrEqualTo(10);
            assertThat(reinserted.get()).as("owners deleted and inserted again").isGreaterThanOrEqualTo(10);
            assertThat(rotated).as("owners rotated by the last rotate-keys").isPositive();
            assertThat(rotationsKilledMidRun.get())
                    .as("rotate-keys --older-than 0s SIGKILLed mid-run")
                    .isEqualTo(2);
            assertThat(ownerRotationsKilled.get())
                    .as("rotate-keys --owner SIGKILLed")
                    .isGreaterThanOrEqualTo(1);
            assertThat(rotateExits)
                    .as("exit codes of rotate-keys runs not killed (1: some owner to rotate again)")
                    .isNotEmpty()
                    .allSatisfy(code -> assertThat(code).isIn(0, 1));
            assertThat(owners.policyInserts()).as("policy rows inserted").isGreaterThanOrEqualTo(10);
            assertThat(owners.policyUpdates()).as("policy limits updated").isGreaterThanOrEqualTo(5);
            assertThat(simulator.liveKeys()).hasSize(owners.present().size());
            // about a third of these were carried out and answered 502
            assertThat(simulator.count("DELETE", "/api/v1/keys/")).as("DELETEs").isGreaterThanOrEqualTo(10);
            assertThat(audit.deadLetters(infra.bootstrapServers()))
                    .as("records in %s.dlt", schema)
                    .isZero();
            assertKilledEnough();
            assertFrozeEach();
            assertNoneExitedOnItsOwn();
            System.out.println(String.join("\n", events));
        } catch (Throwable t) {
            System.out.println(String.join("\n", events));
            processes.forEach(p -> System.out.println(p.tail(60)));
            System.out.println(rotator.tail(60));
            throw t;
        }
    }

    private void awaitAllRunning() {
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .failFast("a process exited on its own", this::anyExitedOnItsOwn)
                .untilAsserted(() -> {
                    for (ChaosProcess p : processes) {
                        assertThat(p.loggedSinceStart(RUNNING))
                                .as("%s is running", p.name())
                                .isTrue();
                    }
                });
        event("all four processes running");
    }

    /** One step of the plan: SIGKILL and restart the victim, or freeze it for a while. */
    private record Blow(ChaosProcess victim, boolean freeze) {}

    /**
     * Kills or freezes per the seeded plan, each after a random pause; a killed victim starts again
     * shortly after, a frozen one resumes after {@value #MIN_FREEZE_MS}-{@value #MAX_FREEZE_MS} ms
     * (longer than the 10 s session timeout) while the plan goes on. Then, while the operator's rotate-keys
     * runs go on, a SIGKILL of a random process every few seconds.
     */
    private void unleash(Random random, ChaosOwners owners) throws Exception {
        List<ScheduledFuture<?>> thaws = new ArrayList<>();
        for (Blow blow : plan(random)) {
            pace(random, 1_500, 4_500);
            ChaosProcess victim = blow.victim();
            if (!victim.alive()) {
                event("!! " + victim.name() + " had exited on its own with code " + victim.exitCode());
            }
            if (blow.freeze()) {
                long pid = victim.freeze();
                long frozen = MIN_FREEZE_MS + random.nextInt(MAX_FREEZE_MS - MIN_FREEZE_MS);
                event("SIGSTOP " + victim.name() + " for " + frozen + " ms");
                if (victim.component().equals("provisioner")) {
                    // the zombie may hold "owner gone" for these, or have begun their create
                    deleteAndReinsert(owners, 3, random);
                }
                thaws.add(thawer.schedule(
                        () -> {
                            victim.thaw(pid);
                            event("SIGCONT " + victim.name());
                            return null;
                        },
                        frozen,
                        TimeUnit.MILLISECONDS));
                continue;
            }
            killAndRestart(victim, random, owners);
        }
        // the storm goes on while the operator rotates keys (which waits for keys to exist first)
        while (!rotationsOver.get()) {
            pace(random, 2_000, 5_000);
            if (rotationsBegun.get()) {
                killAndRestart(processes.get(random.nextInt(processes.size())), random, owners);
            }
        }
        for (ScheduledFuture<?> thaw : thaws) {
            thaw.get(1, TimeUnit.MINUTES);
        }
    }

    /**
     * An operator rotating keys through the storm: {@code rotate-keys --older-than 0s} twice, each SIGKILLed
     * once it has rotated some owners; {@code rotate-keys --owner} four times, every other run SIGKILLed at a
     * random moment (perhaps before it began) and run again at the end; meanwhile policy limits change,
     * among them the limit of the owner being rotated.
     */
    private void rotateWhileKilling(ChaosOwners owners, Random random) throws Exception {
        try {
            rotateThroughTheStorm(owners, random);
        } finally {
            rotationsOver.set(true);
        }
    }

    private void rotateThroughTheStorm(ChaosOwners owners, Random random) throws Exception {
        for (int i = 0; i < 2; i++) {
            // more keys than a run rotates before its SIGKILL (keys come once the pipeline gets going)
            await().atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> audit.storedOwners().size() >= 40);
            pace(random, 500, 3_000);
            rotationsBegun.set(true);
            Process run = rotator.launch("rotate-keys", "--older-than", "0s");
            rotateRun = run;
            event("rotate-keys --older-than 0s started; policy limits " + owners.changePolicies(3));
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> !run.isAlive()
                            || ROTATE_RESULT.matcher(rotator.sinceLastOneOff()).find());
            pace(random, 50, 800);
            if (!run.isAlive()) {
                rotateExits.add(run.exitValue());
                event("!! rotate-keys --older-than 0s ended before its SIGKILL: exit " + run.exitValue());
                continue;
            }
            rotator.kill(run);
            rotationsKilledMidRun.incrementAndGet();
            event("SIGKILL rotate-keys --older-than 0s after " + results(rotator.sinceLastOneOff()) + " owners");
        }
        List<String> killed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pace(random, 500, 2_500);
            List<String> candidates = new ArrayList<>(audit.storedOwners());
            candidates.retainAll(owners.present());
            if (candidates.isEmpty()) {
                continue;
            }
            Collections.sort(candidates);
            String owner = candidates.get(random.nextInt(candidates.size()));
            Process run = rotator.launch("rotate-keys", "--owner", owner);
            rotateRun = run;
            String policy = owners.changePolicy(owner);
            if (i % 2 == 0) {
                pace(random, 500, 4_000);
                if (run.isAlive()) {
                    rotator.kill(run);
                    killed.add(owner);
                    ownerRotationsKilled.incrementAndGet();
                    event("SIGKILL rotate-keys --owner " + owner + " (" + results(rotator.sinceLastOneOff())
                            + " results); policy " + policy + " meanwhile");
                    continue;
                }
            }
            if (!run.waitFor(2, TimeUnit.MINUTES)) {
                rotator.kill(run);
                throw new IllegalStateException("rotate-keys --owner " + owner + " did not finish in 2 min");
            }
            rotateExits.add(run.exitValue());
            event("rotate-keys --owner " + owner + ": exit " + run.exitValue() + "; policy " + policy + " meanwhile");
        }
        for (String owner : killed) {
            int exit = rotator.runOnce("rotate-keys", "--owner", owner);
            rotateExits.add(exit);
            event("rotate-keys --owner " + owner + " again: exit " + exit);
        }
    }

    /**
     * {@code rotate-keys --older-than 0s} to its end, once more if it asks for it (exit 1); returns how many
     * owners its last run rotated. It must end with exit 0: creates no longer fail, and old keys whose
     * DELETE is answered 502 are settled.
     */
    private int rotateEveryOwner() throws Exception {
        int exit = 1;
        for (int run = 0; run < 2 && exit == 1; run++) {
            exit = rotator.runOnce("rotate-keys", "--older-than", "0s");
            event("rotate-keys --older-than 0s: exit " + exit + ", " + summary(rotator.sinceLastOneOff()));
        }
        assertThat(exit)
                .as("rotate-keys --older-than 0s after the storm; its output:%n%s", rotator.tail(40))
                .isZero();
        Matcher rotated = Pattern.compile("(?m)^\\s+rotated\\s+(\\d+)\\s*$").matcher(rotator.sinceLastOneOff());
        return rotated.find() ? Integer.parseInt(rotated.group(1)) : 0;
    }

    /** How many owners' result lines a rotate-keys output has. */
    private static long results(String output) {
        return ROTATE_RESULT.matcher(output).results().count();
    }

    /** The summary lines of a rotate-keys output, on one line. */
    private static String summary(String output) {
        int from = output.lastIndexOf("summary:");
        return from < 0
                ? "no summary"
                : output.substring(from).replaceAll("\\s+", " ").trim();
    }

    /** SIGKILL, some policy limits changed while the victim is down, and a restart. */
    private void killAndRestart(ChaosProcess victim, Random random, ChaosOwners owners) throws Exception {
        victim.kill();
        long down = 300 + random.nextInt(2_700);
        event("SIGKILL " + victim.name() + "; restart in " + down + " ms; meanwhile policy limits "
                + owners.changePolicies(2));
        TimeUnit.MILLISECONDS.sleep(down); // deliberate downtime, not a wait for a condition
        victim.start();
    }

    /** Deletes {@code n} owners, then inserts them again under the same ids, well within the backoff. */
    private void deleteAndReinsert(ChaosOwners owners, int n, Random random) throws Exception {
        List<String> victims = owners.deleteSome(n);
        pace(random, 100, 600);
        owners.reinsert(victims);
        reinserted.addAndGet(victims.size());
        event("deleted and re-inserted " + victims);
    }

    /**
     * An operator, three times: {@code SELECT ... FOR UPDATE} on the job row of an owner that has one, the
     * owner's row deleted while the lock is held, the lock held for 8 s (longer than any lock wait of the
     * pipeline), then released.
     */
    private void lockJobRowsWhileDeleting(ChaosOwners owners, Random random) throws Exception {
        int locked = 0;
        while (locked < 3) {
            pace(random, 4_000, 10_000);
            String owner = owners.pick(1).stream().findFirst().orElse(null);
            if (owner == null) {
                continue;
            }
            String[] parts = owner.split(":", 2);
            try (Connection c = infra.connect()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement("select 1 from " + schema
                        + ".ai_key_provision_jobs where owner_type = ? and owner_id = ? for update")) {
                    ps.setString(1, parts[0]);
                    ps.setString(2, parts[1]);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            c.rollback();
                            continue;
                        }
                    }
                }
                owners.delete(List.of(owner));
                event("operator locks the job row of " + owner + " and deletes the owner");
                TimeUnit.MILLISECONDS.sleep(8_000); // the operator's lock, held on purpose
                c.commit();
                locked++;
                event("operator released the job row of " + owner);
            }
        }
    }

    /**
     * Kills: at least twice each component (cdc, retry: three times; each provisioner twice), plus two at
     * random; freezes: each process once.
     */
    private List<Blow> plan(Random random) {
        List<Blow> plan = new ArrayList<>();
        for (ChaosProcess p : processes) {
            int times = p.component().equals("provisioner") ? 2 : 3;
            for (int i = 0; i < times; i++) {
                plan.add(new Blow(p, false));
            }
            plan.add(new Blow(p, true));
        }
        plan.add(new Blow(processes.get(random.nextInt(processes.size())), false));
        plan.add(new Blow(processes.get(random.nextInt(processes.size())), false));
        Collections.shuffle(plan, random);
        return plan;
    }

    /** The faults of creates: each a few per cent, the rest succeed. */
    private static Map<Fault, Double> createFaults() {
        Map<Fault, Double> faults = new LinkedHashMap<>();
        faults.put(Fault.status(500), 0.04);
        faults.put(Fault.timeoutAfterCreate(Duration.ofSeconds(4)), 0.02);
        faults.put(Fault.createThenUnavailable(), 0.03);
        // longer than OR_HTTP_TIMEOUT_MS: the key appears after the client gave up
        faults.put(Fault.createLate(Duration.ofSeconds(3)), 0.02);
        // hours, and a number of seconds past what a Duration holds in nanoseconds
        faults.put(Fault.rateLimited(Duration.ofHours(2)), 0.01);
        faults.put(Fault.rateLimited(Duration.ofSeconds(2_000_000_000L)), 0.005);
        return faults;
    }

    /** The faults of deletes: carried out by OpenRouter, then answered 502. */
    private static Map<Fault, Double> deleteFaults() {
        return Map.of(Fault.actThenStatus(502), 0.3);
    }

    /** Inserts in batches; after every third batch deletes two owners and inserts one of them again. */
    private void insertOverTime(ChaosOwners owners, Random random) throws Exception {
        for (int batch = 0; owners.inserted().size() < OWNERS; batch++) {
            int n = Math.min(1 + random.nextInt(20), OWNERS - owners.inserted().size());
            String how = owners.insertBatch(n);
            if (random.nextInt(8) == 0) {
                event("inserted " + how + " (" + owners.inserted().size() + " so far)");
            }
            pace(random, 300, 2_500);
            if (batch % 3 == 1) {
                List<String> gone = owners.deleteSome(2);
                if (!gone.isEmpty()) {
                    pace(random, 100, 1_000);
                    owners.reinsert(gone.subList(0, 1));
                    reinserted.incrementAndGet();
                }
            }
        }
        event("inserted all " + owners.inserted().size() + " owners");
    }

    /** Deliberate pacing of the storm (not a wait for a condition). */
    private static void pace(Random random, int minMs, int maxMs) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(minMs + random.nextInt(maxMs - minMs));
    }

    private void assertKilledEnough() {
        int kills = processes.stream().mapToInt(ChaosProcess::kills).sum();
        assertThat(kills).as("SIGKILLs").isGreaterThanOrEqualTo(10);
        for (String component : List.of("cdc", "provisioner", "retry")) {
            assertThat(processes.stream()
                            .filter(p -> p.component().startsWith(component))
                            .mapToInt(ChaosProcess::kills)
                            .sum())
                    .as("SIGKILLs of %s", component)
                    .isGreaterThanOrEqualTo(2);
        }
    }

    private void assertFrozeEach() {
        for (ChaosProcess p : processes) {
            assertThat(p.freezes()).as("SIGSTOPs of %s", p.name()).isEqualTo(1);
        }
    }

    /** Only the chaos thread kills, and it starts the victim again at once: a dead process died by itself. */
    private boolean anyExitedOnItsOwn() {
        return processes.stream().anyMatch(p -> !p.alive());
    }

    private void assertNoneExitedOnItsOwn() {
        for (ChaosProcess p : processes) {
            assertThat(p.alive())
                    .as("%s exited on its own (code %s); log tail:%n%s", p.name(), p.exitCode(), p.tail(40))
                    .isTrue();
        }
    }

    private KeyCipher cipher() {
        return KeyCipher.fromBase64(new Secret(encryptionKey));
    }

    /** Progress for the event log, so that a stall shows. */
    private void progress() {
        try {
            event("progress: " + audit.progress());
        } catch (Exception e) {
            event("progress unknown: " + e);
        }
    }

    private void event(String what) {
        events.add(String.format("t+%5.1fs %s", (System.nanoTime() - startedAt) / 1e9, what));
    }

    @AfterEach
    void tearDown() throws Exception {
        monitor.shutdownNow();
        chaosThread.shutdownNow();
        operatorThread.shutdownNow();
        thawer.shutdownNow();
        rotatorThread.shutdownNow();
        chaosThread.awaitTermination(30, TimeUnit.SECONDS);
        rotatorThread.awaitTermination(30, TimeUnit.SECONDS);
        Process run = rotateRun;
        if (run != null) {
            run.destroyForcibly();
        }
        for (ChaosProcess p : processes) {
            p.close();
        }
        simulator.close();
        try (Connection c = infra.connect();
                Statement s = c.createStatement()) {
            // a walsender may outlive its killed process for a moment
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                s.execute("select pg_terminate_backend(active_pid) from pg_replication_slots where slot_name = '"
                        + schema + "' and active_pid is not null");
                s.execute("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '"
                        + schema + "'");
                return true;
            });
            s.execute("drop publication if exists " + schema + "_pub");
            s.execute("drop schema " + schema + " cascade");
        }
        try (Stream<Path> files = Files.walk(stateRoot)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
