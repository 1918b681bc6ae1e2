package io.provisioner.core.errors;

/**
 * Base of the pipeline's failures. Messages never contain a secret: they are logged, stored in
 * {@code last_error} and put in record headers.
 */
public abstract class ProvisioningException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected ProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A short class name for the {@code provisioning-error-class} header. */
    public String errorClass() {
        return getClass().getSimpleName();
    }
}
