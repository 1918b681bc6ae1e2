package io.provisioner.stream.internals;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

class StreamLivenessTest {

    private static final Duration BOUND = Duration.ofMinutes(6);

    @Test
    void aClientThatShutDownAfterItsThreadsFailedIsStuck() {
        assertThat(StreamLiveness.stuck(State.ERROR, false, Map.of(), BOUND)).contains("ERROR");
        assertThat(StreamLiveness.stuck(State.PENDING_ERROR, false, Map.of(), BOUND))
                .contains("PENDING_ERROR");
    }

    @Test
    void notRunningIsStuckOnlyWhenNobodyClosedTheClient() {
        assertThat(StreamLiveness.stuck(State.NOT_RUNNING, false, Map.of(), BOUND))
                .contains("NOT_RUNNING");
        assertThat(StreamLiveness.stuck(State.NOT_RUNNING, true, Map.of(), BOUND))
                .isNull();
    }

    @Test
    void aRebalancingOrRunningClientWhoseThreadsPollIsLive() {
        Map<MetricName, Metric> polls = Map.of(poll("app-StreamThread-1-consumer"), metric(2));
        assertThat(StreamLiveness.stuck(State.REBALANCING, false, polls, BOUND)).isNull();
        assertThat(StreamLiveness.stuck(State.RUNNING, false, polls, BOUND)).isNull();
    }

    @Test
    void aThreadThatHasNotPolledForLongerThanTheBoundIsNamed() {
        Map<MetricName, Metric> polls = Map.of(
                poll("app-StreamThread-1-consumer"), metric(1),
                poll("app-StreamThread-2-consumer"), metric(BOUND.toSeconds() + 1));

        assertThat(StreamLiveness.stuck(State.RUNNING, false, polls, BOUND))
                .isEqualTo("app-StreamThread-2-consumer has not polled for 361 s");
    }

    @Test
    void aThreadThatNeverPolledYetOrARestoreConsumerIsNotStuck() {
        Map<MetricName, Metric> polls = Map.of(
                poll("app-StreamThread-1-consumer"), metric(-1),
                poll("app-StreamThread-1-restore-consumer"), metric(100_000));

        assertThat(StreamLiveness.stuck(State.RUNNING, false, polls, BOUND)).isNull();
    }

    @Test
    void theBoundIsAMinuteAboveTheMaxPollInterval() {
        assertThat(StreamLiveness.stuckAfter(300_000)).isEqualTo(Duration.ofMinutes(6));
    }

    private static MetricName poll(String client) {
        return new MetricName(
                StreamLiveness.POLL_METRIC, StreamLiveness.CONSUMER_GROUP, "", Map.of("client-id", client));
    }

    private static Metric metric(double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return null;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }
}
