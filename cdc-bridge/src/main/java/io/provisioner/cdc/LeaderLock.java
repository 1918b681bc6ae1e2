package io.provisioner.cdc;

import io.provisioner.core.config.DatabaseConfig;
import io.provisioner.core.secret.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * Leadership among bridges sharing one replication slot: a session-level PostgreSQL advisory lock,
 * keyed by a stable 64-bit hash of the slot name, held on a dedicated connection. PostgreSQL releases
 * it when that session ends, whatever way the holder dies. Not thread-safe: one supervising thread.
 *
 * <p>The holder finds out just as surely when it is cut off from PostgreSQL (a partition, a firewall
 * dropping the session silently): the connection has a socket timeout, so the periodic validity check
 * ({@link #stillHeld}, every few seconds from the supervisor) fails within {@link #SOCKET_TIMEOUT} instead
 * of waiting for an answer that never comes, and TCP keepalive ends a dead session on both sides.
 */
public final class LeaderLock implements CdcSupervisor.Leadership, AutoCloseable {

    /** {@code application_name} of the lock's session, followed by the slot name. */
    static final String APPLICATION_NAME_PREFIX = "provisioner-cdc-lock:";
    /** The same for the sweep's lock ({@link #forSweep}). */
    static final String SWEEP_APPLICATION_NAME_PREFIX = "provisioner-sweep-lock:";

    private static final int CHECK_TIMEOUT_SECONDS = 5;
    /** Longest wait for any answer on the lock's connection: leadership is lost within about this. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(20);
    /** Longest wait to connect (and log in) when trying to take the lock. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final DatabaseConfig database;
    private final String applicationName;
    private final long key;
    private final Duration socketTimeout;
    private Connection connection;
    private boolean held;

    LeaderLock(DatabaseConfig database, String slotName) {
        this(database, slotName, SOCKET_TIMEOUT);
    }

    /** With another socket timeout, for tests (whole seconds, at least one). */
    LeaderLock(DatabaseConfig database, String slotName, Duration socketTimeout) {
        this(database, APPLICATION_NAME_PREFIX + slotName, keyOf(slotName), socketTimeout);
    }

    private LeaderLock(DatabaseConfig database, String applicationName, long key, Duration socketTimeout) {
        this.database = database;
        this.applicationName = applicationName;
        this.key = key;
        this.socketTimeout = socketTimeout;
    }

    /**
     * The leadership of the sweep of the pipeline that uses {@code slotName}: a lock of its own, so that
     * the sweep is elected whether or not cdc runs in the same processes (or on Kafka Connect).
     */
    public static LeaderLock forSweep(DatabaseConfig database, String slotName) {
        return new LeaderLock(
                database,
                SWEEP_APPLICATION_NAME_PREFIX + slotName,
                keyOf("provisioner-sweep-slot:", slotName),
                SOCKET_TIMEOUT);
    }

    /** The advisory lock key of a slot: the first 8 bytes of SHA-256 over a namespaced slot name. */
    static long keyOf(String slotName) {
        return keyOf("provisioner-cdc-slot:", slotName);
    }

    private static long keyOf(String namespace, String slotName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((namespace + slotName).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean isHeld() {
        return held;
    }

    /** Takes the lock if nobody holds it; true when this instance holds it afterwards. */
    @Override
    public boolean tryAcquire() throws SQLException {
        if (held) {
            return true;
        }
        if (connection == null || connection.isClosed()) {
            connection = open();
        }
        try (PreparedStatement st = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            st.setQueryTimeout(CHECK_TIMEOUT_SECONDS);
            st.setLong(1, key);
            try (ResultSet rs = st.executeQuery()) {
                held = rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            closeQuietly();
            throw e;
        }
        return held;
    }

    /** True while the session holding the lock is alive; false (and the lock forgotten) once it is gone. */
    @Override
    public boolean stillHeld() {
        if (!held) {
            return false;
        }
        try (Statement st = connection.createStatement()) {
            st.setQueryTimeout(CHECK_TIMEOUT_SECONDS);
            st.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            closeQuietly();
            return false;
        }
    }

    /** Releases the lock by ending its session. */
    @Override
    public void close() {
        if (held && connection != null) {
            try (PreparedStatement st = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                st.setQueryTimeout(CHECK_TIMEOUT_SECONDS);
                st.setLong(1, key);
                st.execute();
            } catch (SQLException e) {
                // closing the session below releases it all the same
            }
        }
        closeQuietly();
    }

    private Connection open() throws SQLException {
        Properties p = new Properties();
        database.user().ifPresent(u -> p.setProperty("user", u));
        database.password().map(Secret::reveal).ifPresent(pw -> p.setProperty("password", pw));
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
        p.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("loginTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("cancelSignalTimeout", Long.toString(CHECK_TIMEOUT_SECONDS));
        return DriverManager.getConnection(database.jdbcUrl(), p);
    }

    private void closeQuietly() {
        held = false;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // the session is gone already or will be dropped by the server
            }
            connection = null;
        }
    }
}
