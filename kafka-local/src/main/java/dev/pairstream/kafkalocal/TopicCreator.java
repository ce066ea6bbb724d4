package dev.pairstream.kafkalocal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics and waits until every partition has a leader, so that the first produce request after
 * {@link KafkaLocalBroker#start()} does not race the metadata propagation.
 */
final class TopicCreator {

    private static final Logger LOG = LoggerFactory.getLogger(TopicCreator.class);

    /** Pause between metadata polls while partitions still lack a leader. */
    private static final long POLL_INTERVAL_MS = 50;

    private TopicCreator() {
    }

    /**
     * Creates the missing topics and checks the existing ones, then waits until all of them have partition leaders.
     *
     * @throws IllegalStateException when an existing topic has fewer partitions than requested or a different
     *                               compaction setting
     * @throws KafkaLocalException   when the broker rejects a topic or the timeout passes
     */
    static void ensureTopics(Admin admin, Collection<NewTopic> topics, Duration timeout) {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
        List<NewTopic> existing = new ArrayList<>();
        for (NewTopic topic : topics) {
            try {
                results.get(topic.name()).get(remainingMillis(deadline, topic.name()), TimeUnit.MILLISECONDS);
                LOG.debug("Created topic {} with {} partitions", topic.name(), topic.numPartitions());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    existing.add(topic);
                } else {
                    throw new KafkaLocalException("Failed to create topic '" + topic.name() + "': "
                            + e.getCause().getMessage(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new KafkaLocalException("Timed out after " + timeout.toMillis()
                        + " ms creating topic '" + topic.name() + "'", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaLocalException("Interrupted while creating topic '" + topic.name() + "'", e);
            }
        }
        verifyExisting(admin, existing, deadline);
        awaitLeaders(admin, topics.stream().map(NewTopic::name).toList(), deadline, timeout);
    }

    private static void verifyExisting(Admin admin, List<NewTopic> existing, long deadline) {
        for (NewTopic requested : existing) {
            String name = requested.name();
            TopicDescription description = describe(admin, name, deadline);
            int actualPartitions = description.partitions().size();
            // NewTopic reports -1 partitions when the request leaves the count to the broker default.
            int requestedPartitions = requested.numPartitions();
            if (requestedPartitions > 0 && actualPartitions < requestedPartitions) {
                throw new IllegalStateException("Topic '" + name + "' already exists with " + actualPartitions
                        + " partitions, fewer than the requested " + requestedPartitions
                        + "; delete the topic or its data directory to recreate it");
            }
            boolean requestedCompaction = isCompacted(requested.configs() == null
                    ? null : requested.configs().get(TopicConfig.CLEANUP_POLICY_CONFIG));
            boolean actualCompaction = isCompacted(cleanupPolicy(admin, name, deadline));
            if (requestedCompaction != actualCompaction) {
                throw new IllegalStateException("Topic '" + name + "' already exists with compaction "
                        + (actualCompaction ? "enabled" : "disabled") + ", but the request has it "
                        + (requestedCompaction ? "enabled" : "disabled"));
            }
            LOG.debug("Topic {} already exists with {} partitions", name, actualPartitions);
        }
    }

    private static void awaitLeaders(Admin admin, List<String> names, long deadline, Duration timeout) {
        Set<String> pending = new HashSet<>(names);
        while (true) {
            for (String name : List.copyOf(pending)) {
                if (hasAllLeaders(admin, name, deadline)) {
                    pending.remove(name);
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new KafkaLocalException("Timed out after " + timeout.toMillis()
                        + " ms waiting for partition leaders of topics " + pending);
            }
            pause();
        }
    }

    private static boolean hasAllLeaders(Admin admin, String name, long deadline) {
        try {
            TopicDescription description = admin.describeTopics(List.of(name)).topicNameValues().get(name)
                    .get(remainingMillis(deadline, name), TimeUnit.MILLISECONDS);
            return description.partitions().stream().map(TopicPartitionInfo::leader).allMatch(
                    leader -> leader != null && !leader.isEmpty());
        } catch (ExecutionException | TimeoutException e) {
            // The broker has not seen the new topic in its metadata yet; the caller polls again.
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaLocalException("Interrupted while waiting for partition leaders of topic '" + name + "'", e);
        }
    }

    private static TopicDescription describe(Admin admin, String name, long deadline) {
        try {
            return admin.describeTopics(List.of(name)).topicNameValues().get(name)
                    .get(remainingMillis(deadline, name), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaLocalException("Failed to describe existing topic '" + name + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaLocalException("Interrupted while describing topic '" + name + "'", e);
        }
    }

    private static String cleanupPolicy(Admin admin, String name, long deadline) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
        try {
            Config config = admin.describeConfigs(List.of(resource)).values().get(resource)
                    .get(remainingMillis(deadline, name), TimeUnit.MILLISECONDS);
            ConfigEntry entry = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            return entry == null ? null : entry.value();
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaLocalException("Failed to read the configuration of existing topic '" + name + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaLocalException("Interrupted while reading the configuration of topic '" + name + "'", e);
        }
    }

    /** Tells whether a {@code cleanup.policy} value, a comma list such as "compact,delete", includes compaction. */
    static boolean isCompacted(String cleanupPolicy) {
        if (cleanupPolicy == null) {
            return false;
        }
        for (String policy : cleanupPolicy.split(",")) {
            if (TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy.trim())) {
                return true;
            }
        }
        return false;
    }

    private static long remainingMillis(long deadline, String topic) throws TimeoutException {
        long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remaining <= 0) {
            throw new TimeoutException("No time left for topic '" + topic + "'");
        }
        return remaining;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_INTERVAL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaLocalException("Interrupted while waiting for partition leaders", e);
        }
    }
}
