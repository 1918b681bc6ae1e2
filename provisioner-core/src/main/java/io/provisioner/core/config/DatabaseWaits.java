package io.provisioner.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long one database call of the pipeline may wait, so that someone else's row lock or a dead
 * connection costs one record a retry, not a stream thread its partition. Applied to every connection of
 * the pipeline's pool: {@code lock_timeout} and {@code statement_timeout} (the server cancels the
 * statement: SQLState 55P03, 57014), {@code idle_in_transaction_session_timeout} (the server ends a
 * session of ours that stalls inside a transaction, so the locks it holds do not outlive it for long), the
 * driver's socket timeout (a half-open connection: no answer at all) and the pool's wait for a connection.
 * Each of these failures is retryable. Immutable.
 *
 * @param lockTimeout longest wait for a lock held by another session
 * @param statementTimeout longest run of one statement
 * @param socketTimeout longest wait for any answer on the socket; longer than {@code statementTimeout}, so
 *     that a slow statement is cancelled by the server (and its connection kept) before the socket gives
 *     up; whole seconds (the driver's unit)
 * @param connectionTimeout longest wait for a connection from the pool
 * @param idleInTransactionTimeout longest pause of a session of ours inside an open transaction
 */
public record DatabaseWaits(
        Duration lockTimeout,
        Duration statementTimeout,
        Duration socketTimeout,
        Duration connectionTimeout,
        Duration idleInTransactionTimeout) {

    /** The pipeline's: a few seconds for a lock, well under a minute for anything else. */
    public static final DatabaseWaits PIPELINE = new DatabaseWaits(
            Duration.ofSeconds(3),
            Duration.ofSeconds(15),
            Duration.ofSeconds(20),
            Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    public DatabaseWaits {
        for (Duration d : new Duration[] {
            lockTimeout, statementTimeout, socketTimeout, connectionTimeout, idleInTransactionTimeout
        }) {
            Objects.requireNonNull(d, "every wait must be given");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("a database wait must be positive, was " + d);
            }
        }
        if (socketTimeout.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("socketTimeout must be whole seconds, was " + socketTimeout);
        }
        if (socketTimeout.compareTo(statementTimeout) <= 0 || socketTimeout.compareTo(lockTimeout) <= 0) {
            throw new IllegalArgumentException("socketTimeout (" + socketTimeout
                    + ") must exceed statementTimeout and lockTimeout, so that the server cancels first");
        }
    }

    /**
     * The longest one call can stall its thread when it fails: the wait for a connection, then for an answer
     * that never comes (a lock or a slow statement is cancelled sooner, by the server).
     */
    public Duration longestFailingCall() {
        return connectionTimeout.plus(socketTimeout);
    }
}
