package io.provisioner.core.errors;

/**
 * The attempt that wanted to act (begin a create, delete a leftover key) is no longer the owner's current
 * one: another worker began its own attempt, stored a key or cleared the intent since this one read the
 * owner's state (a process frozen past its session timeout, a replay racing a retry). Nothing was done;
 * the current attempt converges the owner. Retryable, never dead-lettered.
 */
public class AttemptSupersededException extends KeyConflictException {
    private static final long serialVersionUID = 1L;

    public AttemptSupersededException(String message, String activeHash) {
        super(message, activeHash);
    }
}
