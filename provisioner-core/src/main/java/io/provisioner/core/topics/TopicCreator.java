package io.provisioner.core.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics when missing, with the configured partition count; existing topics are
 * left as they are. Safe to call from every component at start-up, concurrently.
 */
public final class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

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
            for (TopicSpec<?, ?> t : topics.all()) {
                if (!existing.contains(t.name())) {
                    missing.add(new NewTopic(t.name(), partitions, rf));
                }
            }
            if (!existing.contains(topics.cdcOffsets().name())) {
                missing.add(new NewTopic(topics.cdcOffsets().name(), 1, rf)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            if (missing.isEmpty()) {
                return;
            }
            for (var e : admin.createTopics(missing).values().entrySet()) {
                try {
                    e.getValue().get();
                    LOG.info("created topic {}", e.getKey());
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "could not create topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
