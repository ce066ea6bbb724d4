package dev.pairstream.contracts.topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates missing topics and checks that existing ones match their {@link TopicDefinition}.
 *
 * <p>Safe to run from several services at once: a topic that another process creates in the meantime is
 * checked like any existing one.
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final long RETRY_BACKOFF_MS = 100;

    private TopicProvisioner() {
    }

    /**
     * Creates the topics that do not exist, then checks every topic once the broker serves it: a topic must have at
     * least the defined number of partitions and must be compacted exactly when its definition is. Differences in
     * retention or replication factor are logged as warnings and do not fail. When the call returns, clients can
     * use all the topics.
     *
     * @param admin       admin client of the cluster
     * @param topics      topics to ensure; names must be distinct
     * @param replication replication factor for created topics, at least 1
     * @param timeout     time limit of the whole call, positive
     * @throws IllegalStateException when an existing topic does not match its definition; the message names each
     *                               mismatching topic and what differs
     * @throws TimeoutException      when the cluster does not respond within {@code timeout}
     * @throws KafkaException        when the cluster rejects a request
     */
    public static void ensureTopics(
            Admin admin, Collection<TopicDefinition<?, ?>> topics, short replication, Duration timeout) {
        if (replication < 1) {
            throw new IllegalArgumentException("replication must be at least 1 but was " + replication);
        }
        ensureTopics(admin, topics, Optional.of(replication), timeout);
    }

    /**
     * Does what {@link #ensureTopics(Admin, Collection, short, Duration)} does, but an empty {@code replication}
     * creates topics with the broker's {@code default.replication.factor}, so one configuration serves a single
     * development broker and a production cluster.
     */
    public static void ensureTopics(
            Admin admin, Collection<TopicDefinition<?, ?>> topics, Optional<Short> replication, Duration timeout) {
        Deadline deadline = checkArguments(admin, topics, replication, timeout);
        Map<String, TopicDefinition<?, ?>> byName = new LinkedHashMap<>();
        for (TopicDefinition<?, ?> topic : topics) {
            if (byName.put(topic.name(), topic) != null) {
                throw new IllegalArgumentException("Topic " + topic.name() + " is listed more than once");
            }
        }
        if (byName.isEmpty()) {
            return;
        }

        Set<String> existing = await(
                admin.listTopics(new ListTopicsOptions().timeoutMs(deadline.remainingMs())).names(), deadline,
                "list topics");
        List<NewTopic> missing = byName.values().stream()
                .filter(topic -> !existing.contains(topic.name()))
                .map(topic -> topic.newTopic(replication))
                .toList();
        create(admin, missing, deadline);

        // Created topics are checked too: that waits until the broker serves their metadata, so callers can use
        // them right away, and confirms the broker applied the requested settings.
        verify(admin, byName, List.copyOf(byName.keySet()), replication, deadline);
    }

    /** Creates the topics; one that another process created meanwhile is left to the check that follows. */
    private static void create(Admin admin, List<NewTopic> missing, Deadline deadline) {
        if (missing.isEmpty()) {
            return;
        }
        CreateTopicsResult result =
                admin.createTopics(missing, new CreateTopicsOptions().timeoutMs(deadline.remainingMs()));
        for (NewTopic topic : missing) {
            try {
                await(result.values().get(topic.name()), deadline, "create topic " + topic.name());
                LOG.info("Created topic {} with {} partitions, replication factor {} and configs {}",
                        topic.name(), topic.numPartitions(), topic.replicationFactor(), topic.configs());
            } catch (TopicExistsException e) {
                LOG.info("Topic {} was created by another process meanwhile; checking it", topic.name());
            }
        }
    }

    private static void verify(Admin admin, Map<String, TopicDefinition<?, ?>> byName, List<String> names,
            Optional<Short> replication, Deadline deadline) {
        Map<String, TopicDescription> descriptions = awaitRetrying(
                () -> admin.describeTopics(names, new DescribeTopicsOptions().timeoutMs(deadline.remainingMs()))
                        .allTopicNames(),
                deadline, "describe topics " + names);
        List<ConfigResource> resources = names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name))
                .toList();
        Map<ConfigResource, Config> configs = awaitRetrying(
                () -> admin.describeConfigs(resources, new DescribeConfigsOptions().timeoutMs(deadline.remainingMs()))
                        .all(),
                deadline, "describe configs of topics " + names);

        List<String> mismatches = new ArrayList<>();
        for (String name : names) {
            TopicDefinition<?, ?> definition = byName.get(name);
            TopicDescription description = descriptions.get(name);
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            mismatches.addAll(compare(definition, description, config, replication));
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException("Existing topics do not match their definitions: "
                    + String.join("; ", mismatches)
                    + ". Fix these topics (kafka-topics --alter adds partitions, kafka-configs --alter sets"
                    + " cleanup.policy) or delete them so that they are created again.");
        }
        LOG.info("Checked topics {}", names);
    }

    /** Returns the mismatches that fail the check; logs the ones that only warrant a warning. */
    private static List<String> compare(
            TopicDefinition<?, ?> definition, TopicDescription description, Config config,
            Optional<Short> replication) {
        String name = definition.name();
        List<String> mismatches = new ArrayList<>();
        int partitions = description.partitions().size();
        if (partitions < definition.partitions()) {
            mismatches.add("topic " + name + " has " + partitions + " partitions but needs at least "
                    + definition.partitions());
        }
        String cleanupPolicy = valueOf(config, TopicConfig.CLEANUP_POLICY_CONFIG);
        boolean compacted = cleanupPolicy != null
                && List.of(cleanupPolicy.split(",")).contains(TopicConfig.CLEANUP_POLICY_COMPACT);
        if (compacted != definition.compacted()) {
            mismatches.add("topic " + name + " has cleanup.policy=" + cleanupPolicy + " but must "
                    + (definition.compacted() ? "be compacted (cleanup.policy containing compact)"
                            : "not be compacted (cleanup.policy=delete)"));
        }

        String expectedRetention = definition.configs().get(TopicConfig.RETENTION_MS_CONFIG);
        String retention = valueOf(config, TopicConfig.RETENTION_MS_CONFIG);
        if (!expectedRetention.equals(retention)) {
            LOG.warn("Topic {} has retention.ms={} but its definition sets {}", name, retention, expectedRetention);
        }
        int replicas = description.partitions().isEmpty() ? 0 : description.partitions().get(0).replicas().size();
        if (replication.isPresent() && replicas < replication.get()) {
            LOG.warn("Topic {} has replication factor {} but {} was requested", name, replicas, replication.get());
        }
        return mismatches;
    }

    private static String valueOf(Config config, String key) {
        if (config == null) {
            return null;
        }
        ConfigEntry entry = config.get(key);
        return entry == null ? null : entry.value();
    }

    private static Deadline checkArguments(
            Admin admin, Collection<TopicDefinition<?, ?>> topics, Optional<Short> replication, Duration timeout) {
        if (admin == null) {
            throw new IllegalArgumentException("admin must not be null");
        }
        if (topics == null) {
            throw new IllegalArgumentException("topics must not be null");
        }
        if (replication == null || replication.isPresent() && replication.get() < 1) {
            throw new IllegalArgumentException("replication must be empty or at least 1 but was " + replication);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive but was " + timeout);
        }
        return new Deadline(System.nanoTime() + timeout.toNanos(), timeout);
    }

    /**
     * Waits like {@link #await} but repeats the request while it fails with a retriable error, such as an unknown
     * topic whose metadata has not reached the broker yet.
     */
    private static <T> T awaitRetrying(Supplier<KafkaFuture<T>> request, Deadline deadline, String action) {
        while (true) {
            try {
                return await(request.get(), deadline, action);
            } catch (KafkaException e) {
                if (!(e.getCause() instanceof RetriableException) || deadline.remainingMs() <= RETRY_BACKOFF_MS) {
                    throw e;
                }
                LOG.debug("Retrying to {} after {}", action, e.getCause().toString());
                sleep(action);
            }
        }
    }

    private static void sleep(String action) {
        try {
            Thread.sleep(RETRY_BACKOFF_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException("Interrupted while waiting to " + action, e);
        }
    }

    private static <T> T await(KafkaFuture<T> future, Deadline deadline, String action) {
        try {
            return future.get(deadline.remainingMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException("Interrupted while waiting to " + action, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("Timed out after " + deadline.timeout() + " waiting to " + action, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TopicExistsException exists) {
                throw exists;
            }
            if (cause instanceof TimeoutException) {
                throw new TimeoutException("Timed out after " + deadline.timeout() + " waiting to " + action, cause);
            }
            throw new KafkaException("Failed to " + action + ": " + cause, cause);
        }
    }

    /** Point in time by which the whole call must finish. */
    private record Deadline(long nanos, Duration timeout) {

        int remainingMs() {
            long remaining = TimeUnit.NANOSECONDS.toMillis(nanos - System.nanoTime());
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining));
        }
    }
}
