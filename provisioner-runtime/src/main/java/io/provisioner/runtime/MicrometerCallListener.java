package io.provisioner.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.provisioner.openrouter.CallListener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts every OpenRouter call as {@code provisioner_api_calls_total{method,endpoint,status}} and times
 * it as the histogram {@code provisioner_api_call_duration_seconds{method,endpoint,status}}; {@code
 * status} is the HTTP status, or {@code io_error} when no complete answer came. The two meters of each
 * operation and status are looked up in the registry once and kept: building and registering them again on
 * every call cost more CPU than recording. Thread-safe.
 */
final class MicrometerCallListener implements CallListener {

    private static final Duration[] BUCKETS = {
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30)
    };

    private final MeterRegistry registry;
    private final Map<Call, Meters> meters = new ConcurrentHashMap<>();

    MicrometerCallListener(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onCall(String operation, int status, Duration elapsed) {
        Meters m = meters.computeIfAbsent(new Call(operation, status), this::register);
        m.calls().increment();
        m.duration().record(elapsed);
    }

    private Meters register(Call call) {
        String operation = call.operation();
        int status = call.status();
        int space = operation.indexOf(' ');
        String method = space < 0 ? operation : operation.substring(0, space);
        String endpoint = space < 0 ? "" : operation.substring(space + 1);
        String code = status < 0 ? "io_error" : Integer.toString(status);
        return new Meters(
                Counter.builder("provisioner.api.calls")
                        .description("OpenRouter management API calls, by HTTP method, endpoint and status")
                        .tags("method", method, "endpoint", endpoint, "status", code)
                        .register(registry),
                Timer.builder("provisioner.api.call.duration")
                        .description("duration of OpenRouter management API calls")
                        .tags("method", method, "endpoint", endpoint, "status", code)
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry));
    }

    private record Call(String operation, int status) {}

    private record Meters(Counter calls, Timer duration) {}
}
