package io.provisioner.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.provisioner.core.config.ConfigSource;
import io.provisioner.core.config.ProvisionerConfig;
import io.provisioner.core.topics.TopicCreator;
import io.provisioner.core.topics.Topics;
import io.provisioner.testing.Infra;
import io.provisioner.testing.SharedInfra;
import io.provisioner.testing.TestNames;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The retention of the topics the pipeline creates, and the WARN for existing ones that keep too little. */
@ExtendWith(SharedInfra.class)
class TopicRetentionIT {

    private static ProvisionerConfig config(Infra infra, String prefix, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        env.put("PROVISIONER_TOPIC_PREFIX", prefix);
        env.put("PROVISIONER_PARTITIONS", "1");
        return ProvisionerConfig.from(ConfigSource.load(env, Optional.empty()));
    }

    /** A topic just created may not be known to every part of the broker yet: asked again until it is. */
    private static long retentionMs(Admin admin, String topic) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(
                        () -> Long.parseLong(admin.describeConfigs(List.of(r))
                                .all()
                                .get()
                                .get(r)
                                .get(TopicConfig.RETENTION_MS_CONFIG)
                                .value()),
                        v -> true);
    }

    @Test
    void createdTopicsKeepDeadLettersForEverAndRetriesAWeekAndTenTimesTheirDelay(Infra infra) throws Exception {
        // tier 1 waits 2.4 hours (ten times: a day, less than a week), tier 2 a day (ten times: ten days)
        Topics topics = config(
                        infra,
                        TestNames.unique("ret"),
                        Map.of(
                                "OR_MAX_ATTEMPTS", "3",
                                "OR_BACKOFF_INITIAL_MS", "8640000",
                                "OR_BACKOFF_MULTIPLIER", "10",
                                "OR_BACKOFF_MAX_MS", "86400000"))
                .topics();
        Topics withDltRetention = config(infra, TestNames.unique("ret"), Map.of("PROVISIONER_DLT_RETENTION", "30d"))
                .topics();

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            TopicCreator.ensure(admin, topics, 1);
            TopicCreator.ensure(admin, withDltRetention, 1);

            assertThat(retentionMs(admin, topics.dlt().name())).isEqualTo(-1);
            assertThat(retentionMs(admin, topics.retry(1).name()))
                    .isEqualTo(Duration.ofDays(7).toMillis());
            assertThat(retentionMs(admin, topics.retry(2).name()))
                    .isEqualTo(Duration.ofDays(10).toMillis());
            assertThat(retentionMs(admin, topics.requests().name()))
                    .isEqualTo(Duration.ofDays(7).toMillis());
            assertThat(retentionMs(admin, topics.results().name()))
                    .isEqualTo(Duration.ofDays(7).toMillis());
            assertThat(retentionMs(admin, withDltRetention.dlt().name()))
                    .isEqualTo(Duration.ofDays(30).toMillis());
        }
    }

    @Test
    void existingDltThatKeepsRecordsForAnHourGetsAWarnNamingItAndIsLeftAsItIs(Infra infra) throws Exception {
        Topics topics = config(infra, TestNames.unique("ret"), Map.of()).topics();
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(TopicCreator.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.dlt().name(), 1, (short) 1)
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "3600000"))))
                    .all()
                    .get();

            TopicCreator.ensure(admin, topics, 1);

            assertThat(appender.list)
                    .filteredOn(e -> e.getLevel() == Level.WARN)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .singleElement()
                    .asString()
                    .contains(topics.dlt().name(), "retention.ms=3600000", "-1 (for ever)");
            assertThat(retentionMs(admin, topics.dlt().name())).isEqualTo(3_600_000);
            assertThat(retentionMs(admin, topics.retry(7).name()))
                    .isEqualTo(Duration.ofDays(7).toMillis());
        } finally {
            log.detachAppender(appender);
        }
    }
}
