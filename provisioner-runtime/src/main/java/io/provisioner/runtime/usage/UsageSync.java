package io.provisioner.runtime.usage;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.provisioner.core.errors.FatalException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.KeyAssignment;
import io.provisioner.core.ports.KeyUsage;
import io.provisioner.core.ports.KeysApi;
import io.provisioner.db.UsageQueries;
import io.provisioner.db.UsageQueries.TypeSummary;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every key's spend back from OpenRouter, every {@code PROVISIONER_USAGE_SYNC_INTERVAL}: lists
 * {@code GET /keys} page by page ({@value KeysApi#PAGE_SIZE} keys a page, newest first, disabled ones
 * included) through the {@link KeysApi} it is given (rate-limited to a share of the rate), writes each
 * page's figures, and the limit and reset each key holds, onto the stored keys of those hashes (so that a
 * limit changed by hand on OpenRouter shows as drift, and the policy sweep sets it back), and the guardrail
 * each key is assigned to, from the pages of {@code GET /guardrails/assignments/keys} read first (so that an
 * assignment undone by hand shows as drift too); and updates aggregate gauges (no per-owner label):
 * {@code provisioner_usage_synced_keys}, {@code provisioner_usage_sync_calls},
 * {@code provisioner_usage_sync_age_seconds}, {@code provisioner_usage_dollars{period}} and
 * {@code provisioner_keys_near_limit{owner_type}}. A sync costs {@code floor(keys / 100) + 1} plus
 * {@code floor(assignments / 100) + 1} calls.
 * Keys created or deleted while it pages can shift a key past a page boundary: such a key keeps its
 * figures of the sync before; an assignment shifted past one reads as none, which costs that key one
 * idempotent assignment. Not thread-safe: one sync at a time.
 */
public final class UsageSync {

    /** A key is near its limit once its spend in the limit's period reaches this share of the limit. */
    public static final double NEAR_LIMIT = 0.8;

    /**
     * What one sync did.
     *
     * @param calls {@code GET /keys} and {@code GET /guardrails/assignments/keys} pages read
     * @param listed keys listed
     * @param stored rows of {@code ai_provider_keys} updated
     */
    public record Pass(int calls, int listed, int stored, Duration took) {}

    private static final Logger LOG = LoggerFactory.getLogger(UsageSync.class);

    private final KeysApi api;
    private final UsageQueries queries;
    private final Clock clock;
    private final AtomicReference<Pass> last = new AtomicReference<>();
    private final AtomicReference<Instant> lastCompleted = new AtomicReference<>();
    private final AtomicReference<Map<String, TypeSummary>> summary = new AtomicReference<>(Map.of());

    public UsageSync(KeysApi api, UsageQueries queries, Clock clock, MeterRegistry registry) {
        this.api = api;
        this.queries = queries;
        this.clock = clock;
        register(registry);
    }

    /** One sync of every page; the gauges change only once it completes. */
    public Pass sync() {
        Instant start = clock.instant();
        int calls = 0;
        // the assignments first: a row written after this listing began is left as its worker wrote it
        Map<String, String> guardrails = new HashMap<>();
        try {
            for (int offset = 0; ; offset += KeysApi.PAGE_SIZE) {
                List<KeyAssignment> page = api.listKeyAssignments(offset);
                calls++;
                for (KeyAssignment a : page) {
                    guardrails.put(a.keyHash(), a.guardrailId());
                }
                if (page.size() < KeysApi.PAGE_SIZE) {
                    break;
                }
            }
        } catch (FatalException | UnsupportedOperationException e) {
            // a management key or plan without guardrails (403, 404): the spend matters more than this check
            LOG.warn(
                    "usage sync: cannot list guardrail assignments ({}); the keys' guardrails are not read back",
                    e.getMessage());
            guardrails = null;
        }
        int listed = 0;
        int stored = 0;
        for (int offset = 0; ; offset += KeysApi.PAGE_SIZE) {
            List<KeyUsage> page = api.listUsage(offset);
            calls++;
            listed += page.size();
            stored += queries.save(page, clock.instant(), guardrails, start);
            if (page.size() < KeysApi.PAGE_SIZE) {
                break;
            }
        }
        Instant end = clock.instant();
        Pass pass = new Pass(calls, listed, stored, Duration.between(start, end));
        summary.set(queries.summary(NEAR_LIMIT));
        last.set(pass);
        lastCompleted.set(end);
        LOG.info(
                "usage sync: {} call(s), {} key(s) listed, {} stored key(s) updated in {}",
                calls,
                listed,
                stored,
                pass.took());
        return pass;
    }

    private void register(MeterRegistry registry) {
        Gauge.builder("provisioner.usage.synced.keys", this, s -> s.lastOr(Pass::stored))
                .description("stored keys whose usage the last completed usage sync updated")
                .register(registry);
        Gauge.builder("provisioner.usage.sync.calls", this, s -> s.lastOr(Pass::calls))
                .description(
                        "GET /keys and GET /guardrails/assignments/keys calls (pages) of the last completed usage sync")
                .register(registry);
        Gauge.builder("provisioner.usage.sync.age.seconds", this, UsageSync::ageSeconds)
                .description("seconds since the last usage sync completed; NaN before the first")
                .register(registry);
        Map<String, Function<TypeSummary, BigDecimal>> periods = Map.of(
                "total", TypeSummary::total,
                "daily", TypeSummary::daily,
                "weekly", TypeSummary::weekly,
                "monthly", TypeSummary::monthly);
        periods.forEach((period, figure) -> Gauge.builder("provisioner.usage.dollars", this, s -> s.sum(figure))
                .tag("period", period)
                .description("US dollars spent with the active keys, as of the last usage sync")
                .register(registry));
        for (String type : OwnerRef.TYPES) {
            Gauge.builder("provisioner.keys.near.limit", this, s -> s.of(type).nearLimit())
                    .tag("owner_type", type)
                    .description("active keys whose spend in their limit's period reached 80 % of the limit")
                    .register(registry);
        }
    }

    private double lastOr(java.util.function.ToIntFunction<Pass> figure) {
        Pass p = last.get();
        return p == null ? Double.NaN : figure.applyAsInt(p);
    }

    private double ageSeconds() {
        Instant at = lastCompleted.get();
        return at == null ? Double.NaN : Duration.between(at, clock.instant()).toMillis() / 1000.0;
    }

    private double sum(Function<TypeSummary, BigDecimal> figure) {
        return summary.get().values().stream()
                .map(figure)
                .reduce(BigDecimal.ZERO, BigDecimal::add)
                .doubleValue();
    }

    private TypeSummary of(String type) {
        return summary.get().getOrDefault(type, TypeSummary.EMPTY);
    }
}
