package io.provisioner.runtime.sweep;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.events.OwnerRef;
import io.provisioner.core.events.ProvisionRequest;
import io.provisioner.core.events.RequestCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class SweeperTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Duration INTERVAL = Duration.ofMinutes(10);
    private static final OwnerRef A = new OwnerRef("teacher", "a");
    private static final OwnerRef B = new OwnerRef("teacher", "b");
    private static final OwnerRef GONE = new OwnerRef("organization", "g");

    private final List<OwnerRef> withoutKey = new ArrayList<>();
    private final List<OwnerRef> keyWithoutOwner = new ArrayList<>();
    /** Stuck jobs, oldest first, with the instant they became overdue. */
    private final Map<OwnerRef, Instant> stuck = new LinkedHashMap<>();

    private final Set<String> deadLettered = new HashSet<>();
    private final List<Instant> asked = new ArrayList<>();
    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final Sweeper.Source source = new Sweeper.Source() {
        @Override
        public List<OwnerRef> withoutKey(int limit, Instant inFlightBefore) {
            asked.add(inFlightBefore);
            return List.copyOf(withoutKey);
        }

        @Override
        public List<OwnerRef> keyWithoutOwner() {
            return List.copyOf(keyWithoutOwner);
        }

        @Override
        public List<OwnerRef> stuck(Instant overdueBefore, int limit, Predicate<OwnerRef> skip) {
            return stuck.entrySet().stream()
                    .filter(e -> e.getValue().isBefore(overdueBefore))
                    .map(Map.Entry::getKey)
                    .filter(skip.negate())
                    .limit(limit)
                    .toList();
        }

        @Override
        public Set<String> deadLettered() {
            return Set.copyOf(deadLettered);
        }
    };
    private final Sweeper sweeper = new Sweeper(
            source,
            new RequestPublisher(producer, "p.requests", Clock.fixed(NOW, ZoneOffset.UTC), "sweep"),
            null,
            Clock.fixed(NOW, ZoneOffset.UTC),
            INTERVAL,
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
    void createsStartedWithinTheGraceAreLeftToTheSource() throws Exception {
        sweeper.sweep();
        assertThat(asked).containsExactly(NOW.minus(Duration.ofMinutes(10)));
    }

    @Test
    void stuckRetryingOwnerOverdueByTwoIntervalsIsRequestedAtOnce() throws Exception {
        OwnerRef lost = new OwnerRef("teacher", "lost");
        OwnerRef waiting = new OwnerRef("teacher", "waiting");
        stuck.put(lost, NOW.minus(INTERVAL.multipliedBy(2)).minusSeconds(1));
        stuck.put(waiting, NOW.minus(INTERVAL)); // due a while ago: its record may still be on its way

        assertThat(sweeper.sweep()).isEqualTo(1);
        assertThat(sent()).containsExactly("upsert teacher:lost");
    }

    @Test
    void deadOwnerStaysDeadWhileItsDeadLetterExists() throws Exception {
        OwnerRef replayable = new OwnerRef("teacher", "in-dlt");
        OwnerRef expired = new OwnerRef("teacher", "expired");
        stuck.put(replayable, NOW.minus(Duration.ofDays(1)));
        stuck.put(expired, NOW.minus(Duration.ofDays(1)));
        deadLettered.add(replayable.key());

        sweeper.sweep();

        assertThat(sent()).containsExactly("upsert teacher:expired");
    }

    @Test
    void stuckOwnerJustRequestedIsNotRequestedAgainByTheNextSweep() throws Exception {
        OwnerRef lost = new OwnerRef("teacher", "lost");
        stuck.put(lost, NOW.minus(Duration.ofHours(1)));

        sweeper.sweep();
        sweeper.sweep(); // the provisioner has not got to it yet
        sweeper.sweep();

        assertThat(sent()).containsExactly("upsert teacher:lost", "upsert teacher:lost");
    }
}
