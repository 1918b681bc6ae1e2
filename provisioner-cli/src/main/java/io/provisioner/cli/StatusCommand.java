package io.provisioner.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.events.Json;
import io.provisioner.core.ports.JobStatus;
import io.provisioner.db.Database;
import io.provisioner.db.JobFailure;
import io.provisioner.db.Migrator;
import io.provisioner.db.PolicyDrift;
import io.provisioner.db.ProvisioningQueries;
import io.provisioner.db.ratelimit.RateLimiters;
import io.provisioner.db.slot.SlotReading;
import io.provisioner.runtime.connect.ConnectorStatus;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code provisioner status}: job counts per status, the latest failures with their errors, and the end of
 * the pause a {@code Retry-After} imposes on every instance (read from the shared row), if one is in force;
 * on stderr, a warning while the edge function's keys table ({@code ai_provider_keys_legacy}) holds keys in
 * plaintext.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Job counts per status, the latest failures, and whether OpenRouter calls are throttled.")
final class StatusCommand implements Callable<Integer> {

    private static final List<String> STATUSES = JobStatus.dbNames();

    @Mixin
    ConfigOptions options;

    @Option(
            names = "--failures",
            defaultValue = "10",
            description = "latest failures to show (default ${DEFAULT-VALUE})")
    int failures;

    @Option(
            names = "--json",
            description =
                    "print one JSON document: {jobs: {status: count}, failures: [...], throttled_until: time|null,"
                            + " keys_out_of_step: n, slot: {...}, connector: {...}|null}")
    boolean json;

    @Spec
    CommandSpec spec;

    static String json(
            Map<String, Long> counts, List<JobFailure> latest, Optional<Instant> throttledUntil, long outOfStep) {
        Map<String, Long> jobs = new LinkedHashMap<>();
        STATUSES.forEach(st -> jobs.put(st, counts.getOrDefault(st, 0L)));
        List<Map<String, Object>> failures = new ArrayList<>();
        for (JobFailure f : latest) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("owner", f.owner().key());
            m.put("status", f.status());
            m.put("attempts", f.attempts());
            m.put("last_error", f.lastError());
            m.put("updated_at", f.updatedAt() == null ? null : f.updatedAt().toString());
            failures.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("jobs", jobs);
        doc.put("failures", failures);
        doc.put("throttled_until", throttledUntil.map(Instant::toString).orElse(null));
        doc.put("keys_out_of_step", outOfStep);
        try {
            return Json.MAPPER.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status not writable as JSON", e);
        }
    }

    private static void text(
            PrintWriter out, Map<String, Long> counts, List<JobFailure> latest, Optional<Instant> throttledUntil) {
        out.println(throttledUntil
                .map(t -> "OpenRouter calls: throttled until " + t + " (a Retry-After pauses every instance)")
                .orElse("OpenRouter calls: not throttled"));
        out.println();
        out.println("jobs");
        for (String s : STATUSES) {
            out.printf("  %-11s %8d%n", s, counts.getOrDefault(s, 0L));
        }
        out.println();
        out.println(latest.isEmpty() ? "no failures" : "latest failures");
        for (JobFailure f : latest) {
            out.printf(
                    "  %-25s %-45s %-9s attempts %d  %s%n",
                    f.updatedAt(),
                    f.owner().key(),
                    f.status(),
                    f.attempts(),
                    f.lastError() == null ? "" : f.lastError());
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws JsonProcessingException {
        ProvisionerConfig config = options.load();
        PrintWriter out = spec.commandLine().getOut();
        try (HikariDataSource ds = Database.open(config.requireDatabase(), "status", 2)) {
            ProvisioningQueries q = new ProvisioningQueries(
                    ds, config.cdc().schema(), config.cdc().ownerTables(), Clock.systemUTC());
            Map<String, Long> counts = q.countsByStatus();
            List<JobFailure> latest = q.latestFailures(failures);
            Optional<Instant> throttledUntil =
                    RateLimiters.throttledUntil(ds, config.cdc().schema(), Clock.systemUTC());
            long outOfStep = new PolicyDrift(ds, config.cdc().schema()).count(config.limits());
            SlotReading slot = CdcSideLines.slot(ds, config);
            Optional<ConnectorStatus> connector = CdcSideLines.connector(config);
            if (json) {
                Map<String, Object> doc = Json.MAPPER.convertValue(
                        Json.MAPPER.readTree(json(counts, latest, throttledUntil, outOfStep)), Map.class);
                doc.put("slot", CdcSideLines.slotJson(slot));
                doc.put("connector", connector.map(CdcSideLines::connectorJson).orElse(null));
                out.println(Json.MAPPER.writeValueAsString(doc));
            } else {
                out.println(CdcSideLines.slotLine(slot));
                connector.ifPresent(c -> out.println("Kafka Connect: " + c.summary()));
                text(out, counts, latest, throttledUntil);
                out.println();
                out.printf("keys out of step with their settings or policy (limit, reset, guardrail): %d%n", outOfStep);
            }
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            Migrator.warnings(ds, config.cdc().schema()).forEach(w -> err.println("WARNING: " + w));
            err.flush();
        }
        return ProvisionerCli.OK;
    }
}
