package io.provisioner.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.config.DatabaseWaits;
import io.provisioner.core.crypto.KeyCipher;
import io.provisioner.core.errors.ErrorClassifier;
import io.provisioner.core.errors.ProvisioningException;
import io.provisioner.core.errors.RetryableException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.RateLimiter;
import io.provisioner.core.secret.Secret;
import io.provisioner.db.internal.Tx;
import io.provisioner.db.ratelimit.RateLimiters;
import io.provisioner.testing.FreezableProxy;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pipeline's pool on a real Postgres: every wait of a connection is bounded and ends in a retryable
 * failure. Each test gives up on its own after {@link #GIVE_UP} so that a wait without a bound fails it
 * rather than hanging the build; elapsed times are printed, not asserted.
 */
@ExtendWith(SharedInfra.class)
class DatabaseIT {

    private static final Duration GIVE_UP = Duration.ofSeconds(60);

    /** Short bounds, so that the tests that run into them take seconds. */
    private static final DatabaseWaits SHORT = new DatabaseWaits(
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            Duration.ofSeconds(60));

    private static DatabaseConfig config(Infra infra, String jdbcUrl) {
        return new DatabaseConfig(jdbcUrl, Optional.of(infra.dbUser()), Optional.of(new Secret(infra.dbPassword())));
    }

    @Test
    void everyPooledConnectionCarriesTheBounds(Infra infra) throws Exception {
        try (HikariDataSource ds =
                        Database.open(config(infra, infra.jdbcUrl()), "waits-settings", 2, DatabaseWaits.PIPELINE);
                Connection first = ds.getConnection();
                Connection second = ds.getConnection()) {
            for (Connection c : List.of(first, second)) {
                assertThat(show(c, "lock_timeout")).isEqualTo("3s");
                assertThat(show(c, "statement_timeout")).isEqualTo("15s");
                assertThat(show(c, "idle_in_transaction_session_timeout")).isEqualTo("1min");
            }
        }
    }

    @Test
    void aJobRowLockedByAnOperatorFailsTheWriteRetryablyAfterTheLockTimeout(Infra infra) throws Exception {
        try (TestSchema schema = TestSchema.create(infra);
                HikariDataSource ds =
                        Database.open(config(infra, infra.jdbcUrl()), "waits-lock", 2, DatabaseWaits.PIPELINE);
                Connection operator = infra.connect()) {
            Migrator.migrate(schema.ds, schema.name);
            JdbcKeyStore store = new JdbcKeyStore(ds, schema.name, cipher(), schema.ownerTables(), Clock.systemUTC());
            OwnerRef owner = new OwnerRef(OwnerRef.TEACHER, UUID.randomUUID().toString());
            store.markSucceeded(owner, 1, null);
            operator.setAutoCommit(false);
            try (PreparedStatement lock = operator.prepareStatement("select * from " + schema.name
                    + ".ai_key_provision_jobs where owner_type = ? and owner_id = ? for update")) {
                lock.setString(1, owner.ownerType());
                lock.setString(2, owner.ownerId());
                lock.executeQuery().close();
            }

            long start = System.nanoTime();
            Throwable failure = failureOf(() -> {
                store.markRevoked(owner, null, 2, null);
                return "revoked";
            });
            System.out.printf(
                    "markRevoked behind an operator's row lock gave up after %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);

            assertThat(failure).isInstanceOf(RetryableException.class).hasMessageContaining("55P03");
            operator.rollback();
            store.markRevoked(owner, null, 2, null);
            assertThat(jobStatus(schema, owner)).isEqualTo("revoked");
        }
    }

    @Test
    void aStatementRunningPastTheStatementTimeoutIsCancelledRetryably(Infra infra) throws Exception {
        try (HikariDataSource ds = Database.open(config(infra, infra.jdbcUrl()), "waits-statement", 1, SHORT)) {
            long start = System.nanoTime();
            Throwable failure = failureOf(() -> Tx.autoCommit(ds, "sleep", c -> {
                try (Statement st = c.createStatement()) {
                    return st.execute("select pg_sleep(30)");
                }
            }));
            System.out.printf(
                    "pg_sleep(30) under a 1 s statement_timeout gave up after %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);

            assertThat(failure).isInstanceOf(RetryableException.class).hasMessageContaining("57014");
            String after = Tx.autoCommit(ds, "after", c -> show(c, "statement_timeout"));
            assertThat(after).as("the connection is still usable").isEqualTo("1s");
        }
    }

    /** A half-open connection: the network drops everything, nothing is closed; only the socket timeout ends the wait. */
    @Test
    void aConnectionCutOffSilentlyFailsRetryablyAfterTheSocketTimeout(Infra infra) throws Exception {
        FreezableProxy proxy = FreezableProxy.toPostgres(infra);
        try (HikariDataSource ds = Database.open(config(infra, proxy.jdbcUrl(infra)), "waits-socket", 1, SHORT)) {
            Connection c = ds.getConnection();
            try {
                assertThat(show(c, "lock_timeout")).isEqualTo("1s");
                proxy.freeze();

                long start = System.nanoTime();
                Throwable failure = failureOf(() -> {
                    try (Statement st = c.createStatement()) {
                        return st.execute("select 1");
                    } catch (SQLException e) {
                        throw ErrorClassifier.sql("select 1", Tx.sanitized(e));
                    }
                });
                System.out.printf(
                        "a statement on a frozen connection gave up after %d ms (socket timeout %d s)%n",
                        (System.nanoTime() - start) / 1_000_000,
                        SHORT.socketTimeout().toSeconds());

                assertThat(failure).isInstanceOf(RetryableException.class).hasMessageContaining("08006");
            } finally {
                proxy.close(); // ends a read that nothing else would end, so that the connection can close
                closeQuietly(c);
            }
        } finally {
            proxy.close();
        }
    }

    /** The shared bucket locks its row for every permit: those short waits stay well inside the lock timeout. */
    @Test
    void theSharedRateLimiterGrantsEveryPermitUnderContention(Infra infra) throws Exception {
        int threads = 8;
        int permitsEach = 25;
        try (TestSchema schema = TestSchema.create(infra);
                HikariDataSource ds = Database.open(
                        config(infra, infra.jdbcUrl()), "waits-bucket", threads + 2, DatabaseWaits.PIPELINE)) {
            Migrator.migrate(schema.ds, schema.name);
            RateLimiter limiter = RateLimiters.postgres(ds, schema.name, 100, Clock.systemUTC());
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> granted = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    granted.add(pool.submit(() -> {
                        int n = 0;
                        for (int i = 0; i < permitsEach; i++) {
                            n += limiter.acquire(Duration.ofSeconds(30)) ? 1 : 0;
                        }
                        return n;
                    }));
                }
                for (Future<Integer> f : granted) {
                    assertThat(f.get(GIVE_UP.toSeconds(), TimeUnit.SECONDS)).isEqualTo(permitsEach);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private interface Work {
        Object run() throws Exception;
    }

    /** What {@code work} threw, waiting at most {@link #GIVE_UP}; fails when it returned or is still waiting. */
    private static Throwable failureOf(Work work) throws Exception {
        CompletableFuture<Object> done = CompletableFuture.supplyAsync(() -> {
            try {
                return work.run();
            } catch (ProvisioningException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Object result = done.get(GIVE_UP.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + result);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("still waiting after " + GIVE_UP + ": the wait has no bound", e);
        }
    }

    /** The connection may be broken already; what the test saw matters, not how it closes. */
    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // broken by the cut-off
        }
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("show " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String jobStatus(TestSchema schema, OwnerRef owner) throws SQLException {
        try (Connection c = schema.ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select status from " + schema.name
                        + ".ai_key_provision_jobs where owner_type = ? and owner_id = ?")) {
            ps.setString(1, owner.ownerType());
            ps.setString(2, owner.ownerId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static KeyCipher cipher() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return KeyCipher.fromBase64(new Secret(Base64.getEncoder().encodeToString(key)));
    }
}
