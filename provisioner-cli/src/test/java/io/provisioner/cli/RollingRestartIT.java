package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.runtime.Components;
import io.provisioner.simulator.SimRequest;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling restart as Kubernetes does one: separate {@code provisioner run --components provisioner}
 * processes of the packaged jar, each sent SIGTERM in turn and started again, under a steady stream of
 * new owners. An instance that ends leaves the consumer group at once, so the others take its
 * partitions without waiting for its session ({@code session.timeout.ms}) to expire.
 *
 * <p>By default two instances, and one SIGTERM. {@code -Drolling.instances=3} runs three and restarts
 * each in turn, as a rolling update does. The test prints, per SIGTERM, the longest wait of an owner
 * inserted in the 10 s after it for its key (the "gap").
 */
@ExtendWith(SharedInfra.class)
class RollingRestartIT {

    private static final Logger LOG = LoggerFactory.getLogger(RollingRestartIT.class);
    private static final String GROUP = LagCommand.STREAM_GROUP;
    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void anInstanceThatReceivesSigtermLeavesTheGroupBeforeItsProcessEnds(Infra infra) throws Exception {
        int instances = Integer.getInteger("rolling.instances", 2);
        Path root = Files.createTempDirectory("rolling");
        Path logs = Files.createDirectories(Path.of("target", "rolling"));
        Path jar = Files.copy(Path.of("target", "provisioner.jar"), root.resolve("provisioner.jar"));
        Map<String, Instant> inserted = new ConcurrentHashMap<>();
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        List<ChaosProcess> processes = new ArrayList<>();
        try (PipelineFixture f = new PipelineFixture(infra);
                Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            f.env.put("PROVISIONER_PARTITIONS", "2");
            f.start(EnumSet.of(Components.CDC, Components.RETRY));
            for (int i = 1; i <= instances; i++) {
                Map<String, String> env = new HashMap<>(f.env);
                env.put("PROVISIONER_STATE_DIR", root.resolve("state-" + i).toString());
                env.put("PROVISIONER_HTTP_PORT", "0");
                String name = f.schema + "-provisioner-" + i;
                env.put("KAFKA_CLIENT_ID", name); // names the process's members in the group
                ChaosProcess p = new ChaosProcess(jar, name, "provisioner", env, logs);
                processes.add(p);
                p.start();
            }
            await().ignoreExceptions().atMost(WAIT).until(() -> clients(admin).size() == instances);
            load.scheduleWithFixedDelay(
                    () -> {
                        try {
                            Instant at = Instant.now();
                            for (String owner : f.insertOwners(2)) {
                                inserted.put(owner.substring(owner.indexOf(':') + 1), at);
                            }
                        } catch (Exception e) {
                            LOG.warn("insert failed", e);
                        }
                    },
                    0,
                    500,
                    TimeUnit.MILLISECONDS);

            List<Instant> terms = new ArrayList<>();
            // what the group held right after each instance ended; checked after the report
            Map<String, Set<String>> membersAfter = new java.util.LinkedHashMap<>();
            // by default one SIGTERM, of the last instance; with rolling.instances set, each in turn
            boolean rolling = System.getProperty("rolling.instances") != null;
            for (ChaosProcess p : rolling ? processes : processes.subList(instances - 1, instances)) {
                Thread.sleep(3_000); // steady creates before the restart
                Set<String> before = memberIds(admin, p.name());
                terms.add(Instant.now());
                p.close(); // SIGTERM, and wait for the process to end
                membersAfter.put(p.name(), clients(admin));

                if (!rolling) {
                    break;
                }
                p.start();
                // joined again, and the ended lifetime's members are gone (left, or their session expired)
                await().ignoreExceptions()
                        .atMost(WAIT)
                        .until(() -> clients(admin).size() == instances
                                && memberIds(admin, p.name()).stream().noneMatch(before::contains));
            }
            Thread.sleep(3_000);
            load.shutdown();
            load.awaitTermination(10, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> f.activeKeys() == inserted.size());
            report(f, inserted, terms);
            membersAfter.forEach((ended, members) -> assertThat(members)
                    .as("members right after %s ended (session timeout 10 s)", ended)
                    .doesNotContain(ended)
                    .hasSize(instances - 1));
        } finally {
            load.shutdownNow();
            for (ChaosProcess p : processes) {
                p.close();
            }
        }
    }

    /**
     * For each SIGTERM, the longest an owner inserted within 10 s after it waited for its create at the
     * simulator: the stall of the partitions the ending instance held.
     */
    private static void report(PipelineFixture f, Map<String, Instant> inserted, List<Instant> terms) {
        Map<String, Instant> created = new HashMap<>();
        for (SimRequest r : f.simulator.requests()) {
            if (r.method().equals("POST") && r.path().endsWith("/keys")) {
                inserted.keySet().stream()
                        .filter(r.body()::contains)
                        .findFirst()
                        .ifPresent(id -> created.merge(id, r.at(), (a, b) -> a.isBefore(b) ? a : b));
            }
        }
        List<String> gaps = new ArrayList<>();
        for (Instant term : terms) {
            long worst = inserted.entrySet().stream()
                    .filter(e -> !e.getValue().isBefore(term) && e.getValue().isBefore(term.plusSeconds(10)))
                    .filter(e -> created.containsKey(e.getKey()))
                    .mapToLong(e -> Duration.between(e.getValue(), created.get(e.getKey()))
                            .toMillis())
                    .max()
                    .orElse(-1);
            gaps.add(worst + " ms");
        }
        long steady = inserted.entrySet().stream()
                .filter(e -> created.containsKey(e.getKey()))
                .mapToLong(e ->
                        Duration.between(e.getValue(), created.get(e.getKey())).toMillis())
                .sorted()
                .skip(inserted.size() / 2)
                .findFirst()
                .orElse(-1);
        LOG.info(
                "{} SIGTERM(s), {} owners: longest insert-to-create wait after each SIGTERM {}; median {} ms",
                terms.size(),
                inserted.size(),
                gaps,
                steady);
    }

    /** The Kafka Streams clients in the group: each process's {@code KAFKA_CLIENT_ID}, which its threads' ids start with. */
    private static Set<String> clients(Admin admin) throws Exception {
        return describe(admin).members().stream()
                .map(MemberDescription::clientId)
                .map(id -> id.replaceAll("-StreamThread-\\d+-consumer$", ""))
                .collect(Collectors.toSet());
    }

    /** The member ids of one process's stream threads. */
    private static Set<String> memberIds(Admin admin, String clientId) throws Exception {
        return describe(admin).members().stream()
                .filter(m -> m.clientId().startsWith(clientId + "-"))
                .map(MemberDescription::consumerId)
                .collect(Collectors.toSet());
    }

    private static ConsumerGroupDescription describe(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
    }
}
