package io.provisioner.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MicrometerCallListenerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerCallListener listener = new MicrometerCallListener(registry);

    /** The meters are kept per operation and status: every call still lands in its own series. */
    @Test
    void eachCallIsCountedAndTimedByMethodEndpointAndStatus() {
        listener.onCall("POST /keys", 201, Duration.ofMillis(20));
        listener.onCall("POST /keys", 201, Duration.ofMillis(30));
        listener.onCall("POST /keys", 429, Duration.ofMillis(5));
        listener.onCall("DELETE /keys/{hash}", -1, Duration.ofMillis(7));

        assertThat(calls("POST", "/keys", "201")).isEqualTo(2);
        assertThat(calls("POST", "/keys", "429")).isEqualTo(1);
        assertThat(calls("DELETE", "/keys/{hash}", "io_error")).isEqualTo(1);
        Timer created = registry.get("provisioner.api.call.duration")
                .tags("method", "POST", "endpoint", "/keys", "status", "201")
                .timer();
        assertThat(created.count()).isEqualTo(2);
        assertThat(created.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(50);
        assertThat(registry.get("provisioner.api.call.duration")
                        .tags("method", "DELETE", "endpoint", "/keys/{hash}", "status", "io_error")
                        .timer()
                        .totalTime(TimeUnit.MILLISECONDS))
                .isEqualTo(7);
    }

    private double calls(String method, String endpoint, String status) {
        return registry.get("provisioner.api.calls")
                .tags("method", method, "endpoint", endpoint, "status", status)
                .counter()
                .count();
    }
}
