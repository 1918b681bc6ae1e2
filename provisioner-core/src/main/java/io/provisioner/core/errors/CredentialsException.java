package io.provisioner.core.errors;

/**
 * OpenRouter answered 401 or 403: the management key is wrong, which is a configuration problem and
 * not a property of the request. Processing pauses until the key works again; nothing is retried or
 * dead-lettered because of it.
 */
public class CredentialsException extends ProvisioningException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public CredentialsException(int status, String message) {
        super(message, null);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
