package io.provisioner.db;

import io.provisioner.core.events.OwnerRef;
import java.time.Instant;

/** A job whose last attempt failed, as {@code provisioner status} shows it. */
public record JobFailure(OwnerRef owner, String status, int attempts, String lastError, Instant updatedAt) {}
