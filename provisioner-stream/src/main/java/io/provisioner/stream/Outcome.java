package io.provisioner.stream;

import io.provisioner.core.ports.KeyLimits;

/**
 * What {@link ProvisioningService#handle} did to converge one owner. {@link #status()} is the
 * {@code status} of the {@code <prefix>.results} event; {@link #keyHash()} the owner's key now (null when
 * it has none). Never carries a secret.
 */
public sealed interface Outcome {

    String status();

    String keyHash();

    /** A key was created on OpenRouter and stored. */
    record Created(String keyHash) implements Outcome {
        @Override
        public String status() {
            return "created";
        }
    }

    /** The owner already had its key with the configured limits; nothing was called. */
    record Unchanged(String keyHash) implements Outcome {
        @Override
        public String status() {
            return "unchanged";
        }
    }

    /** The owner kept its key, but stray duplicates named like it were deleted on OpenRouter. */
    record DuplicatesRemoved(String keyHash, int removed) implements Outcome {
        @Override
        public String status() {
            return "unchanged";
        }
    }

    /** The key's limit or reset differed from the configuration and was patched. */
    record Updated(String keyHash, KeyLimits limits) implements Outcome {
        @Override
        public String status() {
            return "updated";
        }
    }

    /**
     * The owner row is gone; its key (if it had one, {@code revokedHash}) was deleted on OpenRouter and
     * marked revoked.
     */
    record Revoked(String revokedHash) implements Outcome {
        @Override
        public String status() {
            return "revoked";
        }

        @Override
        public String keyHash() {
            return revokedHash;
        }
    }
}
