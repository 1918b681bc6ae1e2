package io.provisioner.core.errors;

/**
 * A failure that retrying cannot fix for this request: 400, 404 or 422 on create, a request that fails
 * validation, a record that cannot be read. The request goes to the dead-letter topic.
 */
public class FatalException extends ProvisioningException {
    private static final long serialVersionUID = 1L;

    public FatalException(String message) {
        super(message, null);
    }

    public FatalException(String message, Throwable cause) {
        super(message, cause);
    }
}
