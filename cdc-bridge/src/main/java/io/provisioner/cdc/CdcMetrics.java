package io.provisioner.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.provisioner.core.events.ProvisionRequest;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge's meters: {@code provisioner_cdc_records_total{table,op}} (requests acknowledged by Kafka),
 * {@code provisioner_cdc_active} (1 while this instance holds the leadership), and the lag of the last
 * published change, {@code now - ts_ms}, as the gauge {@code provisioner_cdc_lag_seconds} and the timer
 * {@code provisioner_cdc_event_lag_seconds}; {@code provisioner_cdc_engine_restarts_total}. Thread-safe.
 */
final class CdcMetrics {

    private final MeterRegistry registry;
    private final AtomicBoolean active = new AtomicBoolean();
    private final AtomicLong lastLagMillis = new AtomicLong();
    private final Timer lag;

    CdcMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("provisioner_cdc_active", active, a -> a.get() ? 1 : 0)
                .description("1 while this instance streams from the replication slot, else 0")
                .register(registry);
        Gauge.builder("provisioner_cdc_lag", lastLagMillis, l -> l.get() / 1000.0)
                .description("commit-to-publish delay of the last published change")
                .baseUnit("seconds")
                .register(registry);
        this.lag = Timer.builder("provisioner_cdc_event_lag")
                .description("commit-to-publish delay of each published change")
                .register(registry);
    }

    void engineRestarted() {
        Counter.builder("provisioner_cdc_engine_restarts")
                .description("restarts of the CDC engine after it stopped on its own")
                .register(registry)
                .increment();
    }

    void active(boolean isActive) {
        active.set(isActive);
    }

    void published(ProvisionRequest request, long nowMillis) {
        String table = request.source() == null ? "unknown" : request.source().table();
        Counter.builder("provisioner_cdc_records")
                .description("row changes published to the requests topic")
                .tag("table", table)
                .tag("op", request.op().name().toLowerCase(Locale.ROOT))
                .register(registry)
                .increment();
        Long ts = request.source() == null ? null : request.source().tsMs();
        if (ts != null) {
            long millis = Math.max(0, nowMillis - ts);
            lastLagMillis.set(millis);
            lag.record(Duration.ofMillis(millis));
        }
    }
}
