package io.provisioner.core.ports;

import io.provisioner.core.events.OwnerRef;
import java.util.Optional;

/**
 * What is, for one owner: does its row exist, what key is stored, what does its job say.
 *
 * @param owner the owner in the database's own spelling of its id ({@code id::text}: a request for
 *     {@code teacher:007} finds {@code teacher:7}); null when the store does not canonicalize, meaning the
 *     requested spelling. The job, the key row and the key name use this spelling.
 * @param policy the owner's row of {@code ai_key_policies}; {@link KeyPolicy#DEFAULTS} when it has none
 */
public record OwnerState(
        boolean ownerExists, Optional<StoredKey> activeKey, Optional<JobState> job, OwnerRef owner, KeyPolicy policy) {

    public OwnerState {
        policy = policy == null ? KeyPolicy.DEFAULTS : policy;
    }

    public OwnerState(boolean ownerExists, Optional<StoredKey> activeKey, Optional<JobState> job, OwnerRef owner) {
        this(ownerExists, activeKey, job, owner, KeyPolicy.DEFAULTS);
    }

    public OwnerState(boolean ownerExists, Optional<StoredKey> activeKey, Optional<JobState> job) {
        this(ownerExists, activeKey, job, null);
    }

    /** The canonical owner, or {@code requested} when the store left the spelling as it was. */
    public OwnerRef ownerOr(OwnerRef requested) {
        return owner == null ? requested : owner;
    }
}
