package io.provisioner.runtime.sweep;

import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Sends "look at this owner" requests to {@code <prefix>.requests} on behalf of the sweep and
 * {@code reconcile --fix}, with {@code source.table} naming the origin. Not thread-safe.
 */
public final class RequestPublisher {

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Clock clock;
    private final String origin;
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();

    public RequestPublisher(Producer<String, byte[]> producer, String topic, Clock clock, String origin) {
        this.producer = producer;
        this.topic = topic;
        this.clock = clock;
        this.origin = origin;
    }

    public void send(OwnerRef owner, ProvisionRequest.Op op) {
        ProvisionRequest r = ProvisionRequest.of(
                owner, op, new ProvisionRequest.Source(origin, null, clock.millis()), clock.instant());
        pending.add(producer.send(new ProducerRecord<>(topic, owner.key(), RequestCodec.encode(r))));
    }

    /** Waits until Kafka acknowledged everything sent; returns how many that was. */
    public int flush() throws ExecutionException, InterruptedException {
        producer.flush();
        for (Future<RecordMetadata> f : pending) {
            f.get();
        }
        int n = pending.size();
        pending.clear();
        return n;
    }
}
