package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.provisioner.core.retry.RetryPolicy;
import io.provisioner.core.topics.Topics;
import io.provisioner.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Record-level lines of the forward loop carry the record's owner, topic, partition and offset. */
class ForwardLoggingTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final TopicPartition P0 = new TopicPartition("p.retry.1", 0);

    private final Logger logger = (Logger) LoggerFactory.getLogger(ForwardLoop.class);
    private final Level levelBefore = logger.getLevel();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @AfterEach
    void detach() {
        logger.detachAppender(logged);
        logger.setLevel(levelBefore);
    }

    @Test
    void forwardedAndPausedRecordsAreLoggedWithTheirPosition() {
        MutableClock clock = new MutableClock(T0);
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        ForwardLoop loop = new ForwardLoop(
                consumer,
                new TransactionalForwarder(
                        () -> new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()),
                        "p.requests"),
                new Topics("p", 4),
                new RetryPolicy(4, Duration.ofSeconds(1), 2, Duration.ofSeconds(4)),
                clock,
                new RetryMetrics(new SimpleMeterRegistry(), 3));
        consumer.assign(List.of(P0));
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.addRecord(Records.retry("p.retry.1", 0, 0, T0.minusSeconds(1)));
        consumer.addRecord(Records.retry("p.retry.1", 0, 1, T0.plusSeconds(60)));
        logged.start();
        logger.addAppender(logged);
        logger.setLevel(Level.DEBUG);

        loop.pollOnce();

        assertThat(logged.list)
                .filteredOn(e ->
                        e.getMessage().startsWith("forwarded") || e.getMessage().startsWith("pausing"))
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.getMDCPropertyMap())
                        .containsEntry("topic", "p.retry.1")
                        .containsEntry("partition", "0")
                        .containsKey("owner"))
                .extracting(e -> e.getMDCPropertyMap().get("offset"))
                .containsExactlyInAnyOrder("0", "1");
    }
}
