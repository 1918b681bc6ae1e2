package io.provisioner.core.errors;

/**
 * A fresh key was certainly not stored because the owner already has another active key: another
 * worker provisioned the owner meanwhile (a zombie after a rebalance, a replay racing a retry). The
 * caller deletes its fresh key; the next attempt finds the stored one. Retryable, never dead-lettered.
 */
public class KeyConflictException extends RetryableException {
    private static final long serialVersionUID = 1L;

    private final String activeHash;

    public KeyConflictException(String message, String activeHash) {
        super(message);
        this.activeHash = activeHash;
    }

    /** The hash of the key the owner keeps. */
    public String activeHash() {
        return activeHash;
    }
}
