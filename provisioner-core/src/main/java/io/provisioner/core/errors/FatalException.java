package io.provisioner.core.errors;

/**
 * A failure that retrying cannot fix for this request: 400, 404 or 422 on create, a request that fails
 * validation, a record that cannot be read. The request goes to the dead-letter topic.
 */
public class FatalException extends ProvisioningException {
    private static final long serialVersionUID = 1L;

    private final int httpStatus;

    public FatalException(String message) {
        this(message, null, 0);
    }

    public FatalException(String message, Throwable cause) {
        this(message, cause, cause instanceof FatalException f ? f.httpStatus : 0);
    }

    /** @param httpStatus the HTTP status OpenRouter answered, or 0 when the failure is not an HTTP answer */
    public FatalException(String message, Throwable cause, int httpStatus) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** True when OpenRouter answered 404: the key or guardrail called is not there (or no longer). */
    public boolean notFound() {
        return httpStatus == 404;
    }
}
