package io.provisioner.stream.internals;

import io.provisioner.core.errors.CredentialsException;

/**
 * Thrown out of the processor when OpenRouter rejects the management key. It deliberately fails the
 * stream thread so that the record is neither committed, retried nor dead-lettered; the uncaught
 * exception handler pauses processing and replaces the thread (see the stream's {@code PauseOnCredentialsHandler}).
 */
public final class CredentialsPause extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String recordId;

    public CredentialsPause(CredentialsException cause) {
        this(cause, null);
    }

    /** @param recordId {@code topic-partition@offset} of the record whose call was rejected, or null */
    public CredentialsPause(CredentialsException cause, String recordId) {
        super(cause.getMessage(), cause);
        this.recordId = recordId;
    }

    /** {@code topic-partition@offset} of the record whose call was rejected; null when unknown. */
    public String recordId() {
        return recordId;
    }

    /** The first {@link CredentialsPause} in {@code t}'s cause chain, if any. */
    public static CredentialsPause find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CredentialsPause p) {
                return p;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
