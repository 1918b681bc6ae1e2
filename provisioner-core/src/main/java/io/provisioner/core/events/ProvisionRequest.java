package io.provisioner.core.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Objects;

/**
 * A value on {@code <prefix>.requests}: "look at this owner". Processing is level-triggered, so the
 * request carries no payload beyond what identifies the owner and where the change came from.
 *
 * <p>JSON: {@code {"owner_type","owner_id","op":"upsert"|"delete","source":{"table","lsn","ts_ms"},"requested_at"}}.
 */
public record ProvisionRequest(
        @JsonProperty("owner_type") String ownerType,
        @JsonProperty("owner_id") String ownerId,
        @JsonProperty("op") Op op,
        @JsonProperty("source") Source source,
        @JsonProperty("requested_at") Instant requestedAt) {

    public ProvisionRequest {
        Objects.requireNonNull(op, "op");
    }

    public static ProvisionRequest of(OwnerRef owner, Op op, Source source, Instant requestedAt) {
        return new ProvisionRequest(owner.ownerType(), owner.ownerId(), op, source, requestedAt);
    }

    @JsonIgnore
    public OwnerRef owner() {
        return new OwnerRef(ownerType, ownerId);
    }

    /** What happened to the owner row. */
    public enum Op {
        @JsonProperty("upsert")
        UPSERT,
        @JsonProperty("delete")
        DELETE
    }

    /**
     * Where the request came from: for CDC the table, WAL position and commit time; for the sweep or a
     * replay from the CLI the table is {@code null} or names the origin.
     */
    public record Source(
            @JsonProperty("table") String table, @JsonProperty("lsn") Long lsn, @JsonProperty("ts_ms") Long tsMs) {}
}
