package io.provisioner.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.errors.CredentialsException;
import io.provisioner.stream.fakes.FakeKeysApi;
import io.provisioner.stream.fakes.NoWaitRateLimiter;
import io.provisioner.stream.internals.CredentialsPause;
import io.provisioner.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CredentialsGateTest {

    private static final Instant PAUSED_AT = Instant.parse("2025-01-02T03:04:05Z");

    private final FakeKeysApi api = new FakeKeysApi();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicBoolean targetPaused = new AtomicBoolean();
    private final CredentialsGate gate = new CredentialsGate(
            api,
            new NoWaitRateLimiter(),
            new CredentialsGate.Pausable() {
                @Override
                public void pause() {
                    targetPaused.set(true);
                }

                @Override
                public void resume() {
                    targetPaused.set(false);
                }
            },
            registry,
            new MutableClock(PAUSED_AT),
            Duration.ofMillis(10),
            Duration.ofMillis(40));
    private final PauseOnCredentialsHandler handler =
            new PauseOnCredentialsHandler(gate, new MutableClock(Instant.EPOCH), 3, Duration.ofMinutes(5));

    @AfterEach
    void closeGate() {
        gate.close();
    }

    @Test
    void rejectedKeyPausesWithReasonAndResumesOnceAccepted() {
        api.rejectAll(401);

        StreamThreadExceptionResponse response = handler.handle(
                new StreamsException(new CredentialsPause(new CredentialsException(401, "POST /keys answered 401"))));

        assertThat(response).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(targetPaused).isTrue();
        assertThat(gate.paused()).isTrue();
        assertThat(gate.reason()).contains("401").contains("paused since " + PAUSED_AT);
        assertThat(registry.get("provisioner.openrouter.paused").gauge().value())
                .isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.callsOf("GET /key") >= 3);
        assertThat(targetPaused).isTrue();

        api.acceptAll();

        await().atMost(Duration.ofSeconds(10)).until(() -> !targetPaused.get());
        assertThat(gate.paused()).isFalse();
        assertThat(registry.get("provisioner.openrouter.paused").gauge().value())
                .isZero();
    }

    @Test
    void countsThePausesEachRecordCausedAcrossResumes() {
        CredentialsPause refused =
                new CredentialsPause(new CredentialsException(403, "POST /keys answered 403"), "p.requests-0@7");

        for (int pause = 1; pause <= 3; pause++) {
            handler.handle(new StreamsException(refused));
            assertThat(gate.paused()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !gate.paused()); // the probe was accepted
        }

        assertThat(gate.pausesFor("p.requests-0@7")).isEqualTo(CredentialsGate.MAX_PAUSES_PER_RECORD);
        assertThat(gate.pausesFor("p.requests-0@8")).isZero();
        assertThat(gate.pausesFor(null)).isZero();
    }

    @Test
    void otherFailuresReplaceTheThreadUntilTheyRepeatTooOften() {
        RuntimeException bug = new IllegalStateException("bug");

        assertThat(handler.handle(bug)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(handler.handle(bug)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(handler.handle(bug)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(gate.paused()).isFalse();
    }
}
