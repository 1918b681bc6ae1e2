package io.provisioner.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.time.Ticker;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leadership and engine restarts of the CDC bridge on a driven ticker, with the advisory lock and the
 * engine faked: what {@link CdcLeadershipIT} and {@link CdcBridgeIT} show end to end, decided here check
 * by check, to the nanosecond.
 */
class CdcSupervisorTest {

    /** Deliberately unlike each other, so that one used for the other shows. */
    private static final Duration CHECK = Duration.ofSeconds(1);

    private static final Duration BACKOFF = Duration.ofSeconds(7);
    private static final CdcBridge.Timings TIMINGS = new CdcBridge.Timings(CHECK, BACKOFF);
    private static final long ONE_NANO = 1;

    private final FakeTicker ticker = new FakeTicker();
    private final LockTable postgres = new LockTable();

    // ---------------------------------------------------------------- leadership

    @Test
    void theFirstCheckTakesTheFreeLockAndStartsStreaming() {
        Node a = node();

        a.supervise();

        assertThat(a.isActive()).isTrue();
        assertThat(a.isHealthy()).isTrue();
        assertThat(a.activeGauge()).isEqualTo(1.0);
        assertThat(a.engines.started).hasSize(1);
        assertThat(a.engines.current().running).isTrue();
        assertThat(a.restarts()).as("a first start is not a restart").isZero();
    }

    @Test
    void aStandbyAsksForTheLockAtEveryCheckAndTakesOverAtTheFirstCheckAfterTheLeaderLetsGo() {
        Node a = node();
        Node b = node();
        a.supervise();

        for (int i = 0; i < 5; i++) {
            ticker.advance(CHECK);
            b.supervise();
            a.supervise();
        }
        assertThat(b.isActive()).isFalse();
        assertThat(b.isHealthy()).as("a standby is healthy").isTrue();
        assertThat(b.activeGauge()).isZero();
        assertThat(b.engines.started).isEmpty();
        assertThat(b.lock.attempts).as("asked at each check").isEqualTo(5);
        assertThat(a.engines.started).as("the leader streams on, alone").hasSize(1);

        a.close();
        assertThat(a.isActive()).isFalse();
        assertThat(a.engines.current().closed).isTrue();
        assertThat(postgres.holder).isNull();

        ticker.advance(CHECK);
        b.supervise();
        assertThat(b.isActive()).isTrue();
        assertThat(b.engines.started).hasSize(1);
        assertThat(postgres.holder).isSameAs(b.lock);
    }

    @Test
    void aLeaderWhoseLockSessionIsGoneStopsItsEngineAndTheStandbyTakesOver() {
        Node a = node();
        Node b = node();
        a.supervise();
        b.supervise();

        postgres.endHoldersSession();
        ticker.advance(CHECK);
        a.supervise();

        assertThat(a.isActive()).isFalse();
        assertThat(a.activeGauge()).isZero();
        assertThat(a.engines.current().closed)
                .as("two engines must never stream from one slot")
                .isTrue();

        b.supervise();
        assertThat(b.isActive()).isTrue();
        assertThat(b.engines.started).hasSize(1);
    }

    @Test
    void aLeaderThatSteppedDownWaitsThreeChecksBeforeAskingForTheLockAgain() {
        Node a = node();
        a.supervise();
        postgres.endHoldersSession();
        ticker.advance(CHECK);
        a.supervise();
        assertThat(a.isActive()).isFalse();
        int attempts = a.lock.attempts;

        ticker.advance(CHECK);
        a.supervise();
        ticker.advance(CHECK);
        a.supervise();
        ticker.advance(CHECK.minusNanos(ONE_NANO));
        a.supervise();
        assertThat(a.lock.attempts)
                .as("leaves the lock to another instance for three checks")
                .isEqualTo(attempts);
        assertThat(a.isActive()).isFalse();

        ticker.advance(Duration.ofNanos(ONE_NANO));
        a.supervise();
        assertThat(a.isActive()).as("nobody else took it: streams again").isTrue();
        assertThat(a.engines.started).hasSize(2);
        assertThat(a.engines.current().running).isTrue();
    }

    @Test
    void anInstanceThatCannotReachPostgresStaysOnStandbyHealthyAndKeepsAsking() {
        Node a = node();
        a.lock.unreachable = true;

        for (int i = 0; i < 3; i++) {
            a.supervise();
            ticker.advance(CHECK);
        }
        assertThat(a.isActive()).isFalse();
        assertThat(a.isHealthy()).isTrue();
        assertThat(a.engines.started).isEmpty();
        assertThat(a.lock.attempts).isEqualTo(3);

        a.lock.unreachable = false;
        a.supervise();
        assertThat(a.isActive()).isTrue();
        assertThat(a.engines.started).hasSize(1);
    }

    // ---------------------------------------------------------------- engine restarts

    @Test
    void aStoppedEngineIsClosedAtOnceAndRestartedWhenTheBackoffHasPassedNotBefore() {
        Node a = node();
        a.supervise();
        FakeEngine first = a.engines.current();

        first.die("the replication connection was reset");
        ticker.advance(CHECK);
        a.supervise();
        assertThat(first.closed).as("its producer is flushed and closed").isTrue();
        assertThat(a.engines.started).hasSize(1);
        assertThat(a.isActive()).as("still the leader while restarting").isTrue();
        assertThat(a.isHealthy()).isTrue();

        checkEverySecondUntil(BACKOFF.minusNanos(ONE_NANO), a);
        assertThat(a.engines.started).as("not before the backoff").hasSize(1);
        assertThat(a.restarts()).isZero();

        ticker.advance(Duration.ofNanos(ONE_NANO));
        a.supervise();
        assertThat(a.engines.started).hasSize(2);
        assertThat(a.engines.current().running).isTrue();
        assertThat(a.restarts()).isEqualTo(1);
        assertThat(a.lock.attempts).as("restarting keeps the lock it holds").isEqualTo(1);
    }

    @Test
    void everyRestartWaitsTheSameBackoffItNeitherGrowsNorShrinks() {
        Node a = node();
        a.supervise();

        for (int restart = 1; restart <= 5; restart++) {
            a.engines.current().die("failure " + restart);
            ticker.advance(CHECK);
            a.supervise();

            ticker.advance(BACKOFF.minusNanos(ONE_NANO));
            a.supervise();
            assertThat(a.engines.started)
                    .as("restart %d waits the whole backoff", restart)
                    .hasSize(restart);

            ticker.advance(Duration.ofNanos(ONE_NANO));
            a.supervise();
            assertThat(a.engines.started)
                    .as("restart %d comes right after it", restart)
                    .hasSize(restart + 1);
        }
        assertThat(a.restarts()).isEqualTo(5);
    }

    @Test
    void healthWhileRestartingTurnsDownAtTheThirdFailureInARowAndUpAfterAMinuteOfStreaming() {
        Node a = node();
        a.supervise();

        failAndRestart(a);
        failAndRestart(a);
        assertThat(a.isHealthy()).as("two failures in a row").isTrue();

        a.engines.current().die("third");
        ticker.advance(CHECK);
        a.supervise();
        assertThat(a.isHealthy())
                .as("three failures in a row, while waiting to restart")
                .isFalse();
        assertThat(a.isActive())
                .as("still the leader: nobody else may stream from the slot")
                .isTrue();

        ticker.advance(BACKOFF);
        a.supervise();
        assertThat(a.engines.current().running).isTrue();
        assertThat(a.isHealthy()).as("restarted, but not proven yet").isFalse();

        checkEverySecondUntil(CdcSupervisor.HEALTHY_RUN, a);
        assertThat(a.isHealthy())
                .as("exactly a minute is not yet more than a minute")
                .isFalse();
        ticker.advance(CHECK);
        a.supervise();
        assertThat(a.isHealthy()).isTrue();
    }

    @Test
    void theFailuresInARowAreCountedAgainOnlyAfterARunOfMoreThanAMinute() {
        Node shortRuns = node();
        shortRuns.supervise();
        failAndRestart(shortRuns);
        failAndRestart(shortRuns);
        checkEverySecondUntil(CdcSupervisor.HEALTHY_RUN.minus(CHECK), shortRuns);
        shortRuns.engines.current().die("after 59 s");
        ticker.advance(CHECK);
        shortRuns.supervise();
        assertThat(shortRuns.isHealthy())
                .as("a run of under a minute does not clear the count")
                .isFalse();
        shortRuns.close();

        Node longRun = node();
        longRun.supervise();
        failAndRestart(longRun);
        failAndRestart(longRun);
        checkEverySecondUntil(CdcSupervisor.HEALTHY_RUN.plus(CHECK), longRun);
        failAndRestart(longRun);
        assertThat(longRun.isHealthy()).as("one failure since a healthy run").isTrue();
        failAndRestart(longRun);
        assertThat(longRun.isHealthy()).as("two").isTrue();
        longRun.engines.current().die("third since the healthy run");
        ticker.advance(CHECK);
        longRun.supervise();
        assertThat(longRun.isHealthy()).isFalse();
    }

    @Test
    void steppingDownForgetsTheFailuresAndCancelsThePendingRestart() {
        Node a = node();
        Node b = node();
        a.supervise();
        failAndRestart(a);
        failAndRestart(a);
        a.engines.current().die("third");
        ticker.advance(CHECK);
        a.supervise();
        assertThat(a.isHealthy()).isFalse();

        postgres.endHoldersSession();
        b.supervise();
        ticker.advance(CHECK);
        a.supervise();
        assertThat(a.isActive()).isFalse();
        assertThat(a.isHealthy()).as("a standby is healthy").isTrue();

        ticker.advance(BACKOFF);
        a.supervise();
        assertThat(a.engines.started).as("no restart without the lock").hasSize(3);
        assertThat(a.restarts()).isEqualTo(2);
        assertThat(a.isActive()).isFalse();
        assertThat(b.isActive()).isTrue();
    }

    @Test
    void anEngineThatCannotStartIsAFailureTriedAgainAfterTheBackoffNotAtEveryCheck() {
        Node a = node();
        a.engines.failingStarts = 3;

        a.supervise();
        assertThat(a.isActive()).as("holds the lock: nobody else may stream").isTrue();
        assertThat(a.engines.attempts).isEqualTo(1);

        checkEverySecondUntil(BACKOFF.minusNanos(ONE_NANO), a);
        assertThat(a.engines.attempts).as("not at every check").isEqualTo(1);
        ticker.advance(Duration.ofNanos(ONE_NANO));
        a.supervise();
        assertThat(a.engines.attempts).isEqualTo(2);
        assertThat(a.isHealthy()).as("two failed starts").isTrue();

        ticker.advance(BACKOFF);
        a.supervise();
        assertThat(a.engines.attempts).isEqualTo(3);
        assertThat(a.isHealthy()).as("three failed starts in a row").isFalse();

        ticker.advance(BACKOFF);
        a.supervise();
        assertThat(a.engines.started).hasSize(1);
        assertThat(a.engines.current().running).isTrue();
        assertThat(a.isActive()).isTrue();
    }

    // ---------------------------------------------------------------- helpers

    /** The current engine fails; the next check sees it, and the check a backoff later restarts it. */
    private void failAndRestart(Node n) {
        int before = n.engines.started.size();
        n.engines.current().die("failure");
        ticker.advance(CHECK);
        n.supervise();
        ticker.advance(BACKOFF);
        n.supervise();
        assertThat(n.engines.started).hasSize(before + 1);
    }

    /** Checks every {@link #CHECK}, and once more at the end, until {@code total} has passed. */
    private void checkEverySecondUntil(Duration total, Node n) {
        Duration left = total;
        while (left.compareTo(CHECK) > 0) {
            ticker.advance(CHECK);
            n.supervise();
            left = left.minus(CHECK);
        }
        ticker.advance(left);
        n.supervise();
    }

    private Node node() {
        return new Node();
    }

    private final class Node {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final FakeLock lock = new FakeLock(postgres);
        final FakeEngines engines = new FakeEngines();
        final CdcSupervisor supervisor =
                new CdcSupervisor("slot", lock, engines, new CdcMetrics(registry), TIMINGS, ticker);

        void supervise() {
            supervisor.supervise();
        }

        void close() {
            supervisor.close();
        }

        boolean isActive() {
            return supervisor.isActive();
        }

        boolean isHealthy() {
            return supervisor.isHealthy();
        }

        double activeGauge() {
            return registry.get("provisioner_cdc_active").gauge().value();
        }

        double restarts() {
            Counter c = registry.find("provisioner_cdc_engine_restarts").counter();
            return c == null ? 0 : c.count();
        }
    }

    /**
     * Starts far from zero, so that the elapsed time wraps around {@code Long.MAX_VALUE} during the
     * longer tests, as {@link System#nanoTime()} may.
     */
    private static final class FakeTicker implements Ticker {
        private long now = Long.MAX_VALUE - Duration.ofSeconds(30).toNanos();

        @Override
        public long nanos() {
            return now;
        }

        void advance(Duration d) {
            now += d.toNanos();
        }
    }

    /** The one advisory lock of the slot in PostgreSQL: held by one session at most. */
    private static final class LockTable {
        FakeLock holder;

        /** PostgreSQL ends the holder's session (killed, cut off): the lock is free at once. */
        void endHoldersSession() {
            holder = null;
        }
    }

    private static final class FakeLock implements CdcSupervisor.Leadership {
        private final LockTable table;
        boolean held;
        boolean unreachable;
        int attempts;

        FakeLock(LockTable table) {
            this.table = table;
        }

        @Override
        public boolean isHeld() {
            return held;
        }

        @Override
        public boolean tryAcquire() throws SQLException {
            attempts++;
            if (unreachable) {
                throw new SQLException("Connection refused");
            }
            if (table.holder == null) {
                table.holder = this;
            }
            held = table.holder == this;
            return held;
        }

        @Override
        public boolean stillHeld() {
            held = held && table.holder == this;
            return held;
        }

        @Override
        public void close() {
            if (table.holder == this) {
                table.holder = null;
            }
            held = false;
        }
    }

    private static final class FakeEngine implements CdcSupervisor.Engine {
        boolean running = true;
        boolean closed;
        String failure;

        void die(String why) {
            running = false;
            failure = why;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public String failure() {
            return failure;
        }

        @Override
        public void close() {
            running = false;
            closed = true;
        }
    }

    private static final class FakeEngines implements CdcSupervisor.EngineStarter {
        final List<FakeEngine> started = new ArrayList<>();
        int failingStarts;
        int attempts;

        @Override
        public CdcSupervisor.Engine start() {
            attempts++;
            if (failingStarts > 0) {
                failingStarts--;
                throw new IllegalStateException("No resolvable bootstrap urls given in bootstrap.servers");
            }
            FakeEngine e = new FakeEngine();
            started.add(e);
            return e;
        }

        FakeEngine current() {
            return started.get(started.size() - 1);
        }
    }
}
