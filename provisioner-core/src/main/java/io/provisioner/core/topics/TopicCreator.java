package io.provisioner.core.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics when missing, with the configured partition count and an explicit
 * {@code retention.ms} ({@link Topics#retentionMs}); existing topics are left as they are, but one whose
 * retention is shorter than that gets a WARN naming it (once per process). A process calls it once, before
 * its components start (they do not create topics); safe while other processes do the same.
 */
public final class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    /** Topic and retention already warned about, so that a second call does not repeat it. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private TopicCreator() {}

    public static void ensure(Map<String, Object> adminProperties, Topics topics, int partitions) {
        try (Admin admin = Admin.create(adminProperties)) {
            ensure(admin, topics, partitions);
        }
    }

    public static void ensure(Admin admin, Topics topics, int partitions) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            short rf = (short) Math.min(3, admin.describeCluster().nodes().get().size());
            List<NewTopic> missing = new ArrayList<>();
            List<TopicSpec<?, ?>> present = new ArrayList<>();
            for (TopicSpec<?, ?> t : topics.all()) {
                if (existing.contains(t.name())) {
                    present.add(t);
                } else {
                    String retention = Long.toString(topics.retentionMs(t));
                    missing.add(new NewTopic(t.name(), partitions, rf)
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, retention)));
                }
            }
            if (!existing.contains(topics.cdcOffsets().name())) {
                missing.add(new NewTopic(topics.cdcOffsets().name(), 1, rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            // a topic created meanwhile (or not yet in the listing's metadata) exists after all: check it too
            Set<String> existedAfterAll = create(admin, missing);
            for (TopicSpec<?, ?> t : topics.all()) {
                if (existedAfterAll.contains(t.name())) {
                    present.add(t);
                }
            }
            warnAboutShortRetention(admin, topics, present);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** @return the names of the topics that turned out to exist already */
    private static Set<String> create(Admin admin, List<NewTopic> missing)
            throws InterruptedException, ExecutionException {
        Set<String> existed = new java.util.HashSet<>();
        if (missing.isEmpty()) {
            return existed;
        }
        for (var e : admin.createTopics(missing).values().entrySet()) {
            try {
                e.getValue().get();
                LOG.info("created topic {}", e.getKey());
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw ex;
                }
                existed.add(e.getKey());
            }
        }
        return existed;
    }

    /** Reads {@code retention.ms} of existing topics; a topic that cannot be described is only logged. */
    private static void warnAboutShortRetention(Admin admin, Topics topics, List<TopicSpec<?, ?>> present)
            throws InterruptedException {
        if (present.isEmpty()) {
            return;
        }
        List<ConfigResource> resources = present.stream()
                .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
                .toList();
        Map<ConfigResource, Config> configs;
        try {
            configs = admin.describeConfigs(resources).all().get();
        } catch (ExecutionException | KafkaException e) {
            LOG.warn("could not check the retention of existing topics: {}", String.valueOf(e.getMessage()));
            return;
        }
        for (TopicSpec<?, ?> t : present) {
            Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
            ConfigEntry entry = c == null ? null : c.get(TopicConfig.RETENTION_MS_CONFIG);
            if (entry != null && entry.value() != null) {
                warnIfShorter(t.name(), Long.parseLong(entry.value().trim()), topics.retentionMs(t));
            }
        }
    }

    /** -1 is for ever: longer than anything else. */
    static boolean isShorter(long actualMs, long wantedMs) {
        return actualMs >= 0 && (wantedMs < 0 || actualMs < wantedMs);
    }

    private static void warnIfShorter(String topic, long actualMs, long wantedMs) {
        if (isShorter(actualMs, wantedMs) && WARNED.add(topic + "=" + actualMs)) {
            LOG.warn(
                    "topic {} has retention.ms={}, shorter than the {} the pipeline needs: records waiting there"
                            + " can be deleted before they are processed or replayed; raise it (kafka-configs"
                            + " --alter --entity-type topics --entity-name {} --add-config retention.ms={})",
                    topic,
                    actualMs,
                    wantedMs < 0 ? "-1 (for ever)" : wantedMs + " ms",
                    topic,
                    wantedMs);
        }
    }
}
