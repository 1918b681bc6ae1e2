package io.provisioner.core.ports;

import java.util.Optional;

/** What is, for one owner: does its row exist, what key is stored, what does its job say. */
public record OwnerState(boolean ownerExists, Optional<StoredKey> activeKey, Optional<JobState> job) {}
