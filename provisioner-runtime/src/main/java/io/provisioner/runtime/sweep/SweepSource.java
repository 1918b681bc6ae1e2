package io.provisioner.runtime.sweep;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.db.OwnedKey;
import io.provisioner.db.ProvisioningQueries;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** {@link Sweeper.Source} over the database and the DLT, which is read afresh on each call. Thread-safe. */
public final class SweepSource implements Sweeper.Source {

    private final ProvisioningQueries queries;
    private final Supplier<KafkaConsumer<byte[], byte[]>> readers;
    private final String dlt;

    /** @param readers a new consumer without group each time (closed after use) */
    public SweepSource(ProvisioningQueries queries, Supplier<KafkaConsumer<byte[], byte[]>> readers, String dlt) {
        this.queries = queries;
        this.readers = readers;
        this.dlt = dlt;
    }

    @Override
    public List<OwnerRef> withoutKey(int limit, Instant inFlightBefore) {
        return queries.sweepCandidates(limit, inFlightBefore);
    }

    @Override
    public List<OwnerRef> keyWithoutOwner() {
        return queries.activeKeysWithoutOwner().stream().map(OwnedKey::owner).toList();
    }

    @Override
    public List<OwnerRef> stuck(Instant overdueBefore, int limit, Predicate<OwnerRef> skip) {
        return queries.stuckJobs(overdueBefore, limit, skip);
    }

    @Override
    public Set<String> deadLettered() {
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = readers.get()) {
            new DltReader(c).readAll(dlt, 0, r -> {
                if (r.key() != null) {
                    keys.add(new String(r.key(), StandardCharsets.UTF_8));
                }
            });
        }
        return keys;
    }
}
