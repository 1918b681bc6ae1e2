package io.provisioner.cli;

/** A command line that cannot be carried out as written: exit code 2, with a message naming the option. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
