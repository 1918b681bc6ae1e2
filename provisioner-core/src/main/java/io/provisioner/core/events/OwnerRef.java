package io.provisioner.core.events;

import io.provisioner.core.errors.FatalException;
import io.provisioner.core.logging.Texts;
import java.util.Objects;
import java.util.Set;

/**
 * Identifies one owner of a key: an organization or a teacher. The Kafka record key and the
 * OpenRouter key name are both {@link #key()}, {@code <owner_type>:<owner_id>}.
 */
public record OwnerRef(String ownerType, String ownerId) {

    public static final String ORGANIZATION = "organization";
    public static final String TEACHER = "teacher";
    public static final Set<String> TYPES = Set.of(ORGANIZATION, TEACHER);
    public static final int MAX_ID_LENGTH = 256;

    public OwnerRef {
        Objects.requireNonNull(ownerType, "ownerType");
        Objects.requireNonNull(ownerId, "ownerId");
    }

    /** Rejects what the pipeline must never provision: unknown type, blank or oversized id. */
    public OwnerRef validate() {
        requireNamesOwner();
        if (ownerId.length() > MAX_ID_LENGTH) {
            throw new FatalException("owner_id has " + ownerId.length() + " characters, at most " + MAX_ID_LENGTH
                    + ": its key name (<owner_type>:<owner_id>) would be too long; it is never provisioned");
        }
        return this;
    }

    /**
     * Rejects what names no owner at all: an unknown type or a blank id. An oversized id still names one
     * (its request is readable, and is dead-lettered by {@link #validate} with its job row, so that the
     * sweep does not request it again).
     */
    public OwnerRef requireNamesOwner() {
        if (!TYPES.contains(ownerType)) {
            throw new FatalException(
                    "unknown owner_type '" + Texts.abbreviate(ownerType) + "' (expected " + TYPES + ")");
        }
        if (ownerId.isBlank()) {
            throw new FatalException("owner_id is blank");
        }
        return this;
    }

    /** {@code <owner_type>:<owner_id>}: the record key, the OpenRouter key name, the AES-GCM associated data. */
    public String key() {
        return ownerType + ":" + ownerId;
    }

    /** Parses a record key of the form {@code <owner_type>:<owner_id>}. */
    public static OwnerRef parseKey(String key) {
        int colon = key == null ? -1 : key.indexOf(':');
        if (colon <= 0) {
            throw new FatalException("record key '" + Texts.abbreviate(key) + "' is not <owner_type>:<owner_id>");
        }
        return new OwnerRef(key.substring(0, colon), key.substring(colon + 1)).validate();
    }

    @Override
    public String toString() {
        return key();
    }
}
