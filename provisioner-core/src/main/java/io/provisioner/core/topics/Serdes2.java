package io.provisioner.core.topics;

import io.provisioner.core.events.Json;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.ProvisionResult;
import io.provisioner.core.events.RequestCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes of the pipeline's event types. */
public final class Serdes2 {

    private Serdes2() {}

    /** Strict: a bad value fails with a {@link SerializationException} that says why. */
    public static Serde<ProvisionRequest> request() {
        return Serdes.serdeFrom((topic, value) -> value == null ? null : RequestCodec.encode(value), (topic, bytes) -> {
            try {
                return RequestCodec.decode(bytes);
            } catch (RuntimeException e) {
                throw new SerializationException(e.getMessage(), e);
            }
        });
    }

    public static Serde<ProvisionResult> result() {
        return Serdes.serdeFrom(
                (topic, value) -> {
                    try {
                        return value == null ? null : Json.MAPPER.writeValueAsBytes(value);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                (topic, bytes) -> {
                    try {
                        return bytes == null ? null : Json.MAPPER.readValue(bytes, ProvisionResult.class);
                    } catch (IOException e) {
                        throw new SerializationException("not a result: " + e.getMessage(), e);
                    }
                });
    }
}
