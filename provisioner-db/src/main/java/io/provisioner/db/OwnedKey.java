package io.provisioner.db;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.ports.StoredKey;

/** An active stored key with its owner; no secret. */
public record OwnedKey(OwnerRef owner, StoredKey key) {}
