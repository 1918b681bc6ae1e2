package io.provisioner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An operator's row lock on a real Postgres, with the whole pipeline on a real broker (one partition, so
 * every owner queues behind the locked one) and the simulator over HTTP: the locked owner goes to its
 * retry tier, the others get their keys meanwhile, and the locked owner converges once the lock is gone.
 */
@ExtendWith(SharedInfra.class)
class OperatorLockIT {

    /** The observation: with the lock held, no other owner got a key within this. */
    private static final Duration PROMPTLY = Duration.ofSeconds(60);

    private static final Duration WAIT = Duration.ofMinutes(2);

    @Test
    void anOwnerWhoseJobRowIsLockedGoesToItsRetryTierWhileTheOthersGetTheirKeys(Infra infra) throws Exception {
        try (PipelineFixture f = new PipelineFixture(infra)) {
            f.env.put("PROVISIONER_PARTITIONS", "1");
            // the locked owner waits in retry.1 while the test looks; it is back 20 s later
            f.env.put("OR_BACKOFF_INITIAL_MS", "20000");
            f.env.put("OR_BACKOFF_MAX_MS", "20000");
            f.start();
            String locked = f.insertTeacher();
            await().atMost(WAIT).until(() -> activeKeys(f, locked) == 1);

            List<String> others;
            long start;
            try (Connection operator = infra.connect()) {
                operator.setAutoCommit(false);
                lockJobRow(operator, f, locked);
                deleteTeacher(infra, f, locked);
                others = f.insertOwners(10);
                start = System.nanoTime();

                await().atMost(PROMPTLY).pollInterval(Duration.ofMillis(250)).until(() -> others.stream()
                        .allMatch(o -> activeKeysOrZero(f, o) == 1));
                System.out.printf(
                        "with one job row locked, 10 owners queued behind it got their keys within %d ms%n",
                        (System.nanoTime() - start) / 1_000_000);
                await().atMost(WAIT)
                        .until(() -> TopicDump.readAll(infra, f.schema + ".retry.1", "read_committed").stream()
                                .anyMatch(r -> locked.equals(new String(r.key(), StandardCharsets.UTF_8))));

                assertThat(operator.isValid(1))
                        .as("the operator's lock is still held")
                        .isTrue();
                assertThat(activeKeys(f, locked))
                        .as("the locked owner's stored key waits for its retry")
                        .isEqualTo(1);
                operator.rollback();
            }

            await().atMost(WAIT)
                    .until(() ->
                            f.job(locked).map(j -> "revoked".equals(j.status())).orElse(false));
            assertThat(activeKeys(f, locked)).isZero();
            assertThat(f.simulator.liveKeysNamed(locked)).isEmpty();
            for (String owner : others) {
                assertThat(f.simulator.liveKeysNamed(owner))
                        .as("keys named %s", owner)
                        .hasSize(1);
            }
            assertThat(f.deadLettersOnceCommitted()).isEmpty();
        }
    }

    private static void lockJobRow(Connection operator, PipelineFixture f, String owner) throws SQLException {
        int colon = owner.indexOf(':');
        try (PreparedStatement ps = operator.prepareStatement("select * from " + f.schema
                + ".ai_key_provision_jobs where owner_type = ? and owner_id = ? for update")) {
            ps.setString(1, owner.substring(0, colon));
            ps.setString(2, owner.substring(colon + 1));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the job row of %s", owner).isTrue();
            }
        }
    }

    private static void deleteTeacher(Infra infra, PipelineFixture f, String owner) throws SQLException {
        try (Connection c = infra.connect();
                PreparedStatement ps = c.prepareStatement("delete from " + f.schema + ".teachers where id = ?")) {
            ps.setObject(1, UUID.fromString(owner.substring(owner.indexOf(':') + 1)));
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private static long activeKeys(PipelineFixture f, String owner) throws SQLException {
        int colon = owner.indexOf(':');
        return f.count("select count(*) from " + f.schema + ".ai_provider_keys where revoked_at is null"
                + " and owner_type = '" + owner.substring(0, colon) + "' and owner_id = '" + owner.substring(colon + 1)
                + "'");
    }

    private static long activeKeysOrZero(PipelineFixture f, String owner) {
        try {
            return activeKeys(f, owner);
        } catch (SQLException e) {
            return 0;
        }
    }
}
