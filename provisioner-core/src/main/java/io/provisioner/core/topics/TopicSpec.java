package io.provisioner.core.topics;

import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/** One topic of the pipeline with the serdes of its key and value. Immutable. */
public record TopicSpec<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
    public TopicSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
    }

    @Override
    public String toString() {
        return name;
    }
}
