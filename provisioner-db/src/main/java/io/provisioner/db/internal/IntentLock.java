package io.provisioner.db.internal;

import io.provisioner.core.errors.AttemptSupersededException;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.StoredKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The fence of every side effect of an attempt, the provisioner's and the sweep's alike: the owner's job
 * row locked, and its write-ahead intent compared with the attempt's token. Stateless.
 */
public final class IntentLock {

    private IntentLock() {}

    /**
     * Locks the job row and refuses unless its intent is {@code token} (null: none); returns the owner's
     * active key hash, read under that lock, which the caller must never delete.
     *
     * @param action what the caller was about to do, for the refusal's message
     * @throws AttemptSupersededException when another attempt holds the intent, or none does
     */
    public static Optional<String> require(
            Connection c, JobRows jobs, KeyRows keys, OwnerRef owner, Instant token, String action)
            throws SQLException {
        Optional<Instant> current = jobs.lockIntent(c, owner);
        Optional<String> active = keys.findActive(c, owner).map(StoredKey::hash);
        if (!Objects.equals(current.orElse(null), token)) {
            throw new AttemptSupersededException(
                    "attempt for " + owner.key() + " was superseded by another worker; did not " + action,
                    active.orElse(null));
        }
        return active;
    }
}
