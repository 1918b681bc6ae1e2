package io.provisioner.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import io.provisioner.core.ports.JobState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class SweeperTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final OwnerRef A = new OwnerRef("teacher", "a");
    private static final OwnerRef B = new OwnerRef("teacher", "b");
    private static final OwnerRef GONE = new OwnerRef("organization", "g");

    private final List<OwnerRef> withoutKey = new ArrayList<>();
    private final List<OwnerRef> keyWithoutOwner = new ArrayList<>();
    private final Map<OwnerRef, JobState> jobs = new HashMap<>();
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final Sweeper sweeper = new Sweeper(
            () -> List.copyOf(withoutKey),
            () -> List.copyOf(keyWithoutOwner),
            o -> Optional.ofNullable(jobs.get(o)),
            producer,
            "p.requests",
            Clock.fixed(NOW, ZoneOffset.UTC),
            Duration.ofMinutes(10),
            new SimpleMeterRegistry());

    private List<String> sent() {
        return producer.history().stream()
                .map(ProducerRecord::value)
                .map(RequestCodec::decode)
                .map(r -> r.op().name().toLowerCase(java.util.Locale.ROOT) + " "
                        + r.owner().key())
                .toList();
    }

    @Test
    void requestsWhatStaysOutOfStepForTwoSweeps() throws Exception {
        withoutKey.add(A);
        keyWithoutOwner.add(GONE);

        assertThat(sweeper.sweep()).isZero();
        assertThat(sweeper.sweep()).isEqualTo(2);

        assertThat(sent()).containsExactlyInAnyOrder("upsert teacher:a", "delete organization:g");
        ProvisionRequest r = RequestCodec.decode(producer.history().get(0).value());
        assertThat(r.source().table()).isEqualTo("sweep");
        assertThat(producer.history())
                .extracting(ProducerRecord::key)
                .containsExactlyInAnyOrder("teacher:a", "organization:g");
    }

    @Test
    void ownerProvisionedFromTheBacklogMeanwhileIsNotRequested() throws Exception {
        withoutKey.add(A);
        sweeper.sweep();
        withoutKey.clear(); // the provisioner got to it before the next sweep
        withoutKey.add(B);

        assertThat(sweeper.sweep()).isZero();
        assertThat(sweeper.sweep()).isEqualTo(1);
        assertThat(sent()).containsExactly("upsert teacher:b");
    }

    @Test
    void justRequestedOwnerGetsAFullIntervalBeforeItIsRequestedAgain() throws Exception {
        withoutKey.add(A);
        sweeper.sweep();
        sweeper.sweep();
        assertThat(sweeper.sweep()).isZero();
        assertThat(sweeper.sweep()).isEqualTo(1);
        assertThat(sent()).containsExactly("upsert teacher:a", "upsert teacher:a");
    }

    @Test
    void leavesRetryingDeadAndRecentlyStartedOwnersAlone() throws Exception {
        OwnerRef retrying = new OwnerRef("teacher", "r");
        OwnerRef dead = new OwnerRef("teacher", "d");
        OwnerRef fresh = new OwnerRef("teacher", "f");
        OwnerRef stale = new OwnerRef("teacher", "s");
        withoutKey.addAll(List.of(retrying, dead, fresh, stale));
        jobs.put(retrying, new JobState("retrying", 2, null));
        jobs.put(dead, new JobState("dead", 8, null));
        jobs.put(fresh, new JobState("processing", 1, NOW.minusSeconds(60)));
        jobs.put(stale, new JobState("processing", 1, NOW.minus(Duration.ofMinutes(30))));

        sweeper.sweep();
        sweeper.sweep();

        assertThat(sent()).containsExactly("upsert teacher:s");
    }
}
