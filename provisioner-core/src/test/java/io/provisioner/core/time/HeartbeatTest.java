package io.provisioner.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final Heartbeat heartbeat = new Heartbeat(now::get);

    @Test
    void aLoopThatStopsBeatingIsSilentLongerThanTheBoundOnlyOnceTheBoundHasPassed() {
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(heartbeat.silentLongerThan(Duration.ofSeconds(60))).isFalse();

        now.addAndGet(1);
        assertThat(heartbeat.silentLongerThan(Duration.ofSeconds(60))).isTrue();
        assertThat(heartbeat.silentFor()).isEqualTo(Duration.ofSeconds(60).plusNanos(1));
    }

    @Test
    void aBeatStartsTheSilenceAgain() {
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        heartbeat.beat();
        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(heartbeat.silentLongerThan(Duration.ofSeconds(60))).isFalse();
        assertThat(heartbeat.silentFor()).isEqualTo(Duration.ofSeconds(1));
    }
}
