package io.provisioner.db;

import io.provisioner.core.errors.KeyConflictException;
import io.provisioner.core.events.OwnerRef;

/**
 * {@link JdbcKeyStore#saveCreated} refused a key because the owner already has another active key.
 * Nothing was stored; the caller deletes the fresh key on OpenRouter. Retryable, not fatal: another
 * worker provisioned the owner meanwhile (a zombie after a rebalance, a replay racing a retry), and the
 * next attempt finds that key and leaves it alone instead of dead-lettering a request that did its job.
 * The message names the owner and the hashes, never a secret.
 */
public class ActiveKeyExistsException extends KeyConflictException {
    private static final long serialVersionUID = 1L;

    public ActiveKeyExistsException(OwnerRef owner, String refusedHash, String activeHash) {
        super(
                "owner " + owner.key() + " already has active key " + activeHash + "; key " + refusedHash
                        + " was not stored",
                activeHash);
    }
}
