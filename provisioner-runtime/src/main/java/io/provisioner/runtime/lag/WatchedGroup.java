package io.provisioner.runtime.lag;

import io.provisioner.core.topics.TopicSpec;
import io.provisioner.core.topics.Topics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** A consumer group whose lag is watched, with the topics it consumes; retry topics carry due times. */
public record WatchedGroup(String group, List<String> topics, Set<String> retryTopics) {

    /** The pipeline's two groups: provisioner-stream on the requests topic, retry-scheduler on the retry topics. */
    public static List<WatchedGroup> of(Topics topics, String streamGroup, String retryGroup) {
        List<String> retries = topics.retries().stream().map(TopicSpec::name).toList();
        return List.of(
                new WatchedGroup(streamGroup, List.of(topics.requests().name()), Set.of()),
                new WatchedGroup(retryGroup, retries, retries.stream().collect(Collectors.toUnmodifiableSet())));
    }

    public LagReading read(GroupLag lag) throws Exception {
        return lag.read(group, topics, retryTopics);
    }
}
