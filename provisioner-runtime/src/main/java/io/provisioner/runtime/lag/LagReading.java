package io.provisioner.runtime.lag;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/** What {@code provisioner lag} and the lag gauges show for one consumer group at one instant. */
public record LagReading(
        @JsonProperty("group") String group,
        @JsonProperty("status") Status status,
        @JsonProperty("members") int members,
        @JsonProperty("lag") long lag,
        @JsonProperty("partitions") List<PartitionLag> partitions,
        @JsonIgnore Instant at) {

    /** A group's health, from its lag and how it moves over the window. */
    public enum Status {
        /** Nothing waiting that should be processed, or the group keeps up. */
        OK,
        /** The lag grew over the window while offsets were committed. */
        LAGGING,
        /** Lag, members, but no commit progress over the window. */
        STALLED,
        /** Lag and no member: nobody is consuming. */
        STOPPED
    }

    /**
     * One partition. {@code committed} is null when the group never committed there (its whole retained
     * log, from {@code start}, counts as lag). {@code lag} is {@code end - (committed or start)}, except 0
     * when nothing but transaction markers lies between them. {@code lagSeconds} is the age of the oldest
     * record not yet consumed (0 without lag, never negative). {@code waiting}: a retry-topic partition
     * whose next record is not due yet, so the lag is on purpose.
     */
    public record PartitionLag(
            @JsonProperty("topic") String topic,
            @JsonProperty("partition") int partition,
            @JsonProperty("committed") Long committed,
            @JsonProperty("start") long start,
            @JsonProperty("end") long end,
            @JsonProperty("lag") long lag,
            @JsonProperty("lag_seconds") double lagSeconds,
            @JsonProperty("waiting") boolean waiting) {}

    /** Lag that somebody should be working on: partitions waiting on purpose excluded. */
    @JsonIgnore
    public long actionableLag() {
        return partitions.stream()
                .filter(p -> !p.waiting())
                .mapToLong(PartitionLag::lag)
                .sum();
    }

    public LagReading withStatus(Status s) {
        return new LagReading(group, s, members, lag, partitions, at);
    }
}
