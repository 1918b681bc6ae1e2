package io.provisioner.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.provisioner.openrouter.CallListener;
import java.time.Duration;

/** Times every OpenRouter call as {@code provisioner_openrouter_calls} by operation and status. */
final class MicrometerCallListener implements CallListener {

    private final MeterRegistry registry;

    MicrometerCallListener(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onCall(String operation, int status, Duration elapsed) {
        Timer.builder("provisioner_openrouter_calls")
                .description("OpenRouter management API calls")
                .tag("operation", operation)
                .tag("status", status < 0 ? "io_error" : Integer.toString(status))
                .register(registry)
                .record(elapsed);
    }
}
