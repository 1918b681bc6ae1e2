package io.provisioner.core.ports;

import java.util.Arrays;
import java.util.List;

/**
 * The {@code status} of a row of {@code ai_key_provision_jobs} (CONTRACT section 4), in the contract's
 * order; {@link #dbName()} is its spelling in the column (and {@link #toString()}).
 */
public enum JobStatus {
    PENDING("pending"),
    PROCESSING("processing"),
    RETRYING("retrying"),
    SUCCEEDED("succeeded"),
    DEAD("dead"),
    REVOKED("revoked");

    private final String dbName;

    JobStatus(String dbName) {
        this.dbName = dbName;
    }

    /** The spelling in the {@code status} column. */
    public String dbName() {
        return dbName;
    }

    /** Every spelling, in the contract's order. */
    public static List<String> dbNames() {
        return Arrays.stream(values()).map(JobStatus::dbName).toList();
    }

    /**
     * The status spelled {@code dbName} in the column; null for null. A spelling the contract does not have
     * reads as {@link #PENDING}, not finished: a jobs table that {@code migrate} kept from before the pipeline
     * (no CHECK on {@code status}) may hold the edge function's {@code done} or {@code failed}; its owner is
     * then looked at like any unfinished one and the row rewritten, rather than failing every attempt.
     */
    public static JobStatus fromDb(String dbName) {
        if (dbName == null) {
            return null;
        }
        for (JobStatus s : values()) {
            if (s.dbName.equals(dbName)) {
                return s;
            }
        }
        return PENDING;
    }

    @Override
    public String toString() {
        return dbName;
    }
}
