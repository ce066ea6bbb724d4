package dev.pairstream.service;

import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.TopicProvisioner;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Creates the service's missing topics and verifies the existing ones once the application has started.
 *
 * <p>It retries in the background until it succeeds, so a service that starts before its broker comes up by
 * itself once the broker answers. Until then {@link TopicsReadinessCheck} reports DOWN with the last error.
 */
@ApplicationScoped
public class TopicBootstrap {

    private static final Logger LOG = Logger.getLogger(TopicBootstrap.class);

    /** Interval between two warnings while the broker stays unreachable, so a long outage stays visible. */
    private static final Duration REPEAT_WARNING_INTERVAL = Duration.ofMinutes(1);

    private final ServiceTopics serviceTopics;
    private final KafkaSettings settings;
    private final Map<String, Object> kafkaConfig;
    private final AtomicReference<Status> status = new AtomicReference<>(Status.pending());
    private final AtomicInteger attempts = new AtomicInteger();
    private long lastWarning;
    private ScheduledExecutorService executor;

    @Inject
    public TopicBootstrap(ServiceTopics serviceTopics, KafkaSettings settings,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.serviceTopics = serviceTopics;
        this.settings = settings;
        this.kafkaConfig = kafkaConfig;
    }

    void onStart(@Observes StartupEvent event) {
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, serviceTopics.serviceName() + "-topic-bootstrap");
            thread.setDaemon(true);
            return thread;
        });
        executor.execute(this::attempt);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Returns whether all topics exist with the expected layout, and the last error if not. */
    public Status status() {
        return status.get();
    }

    private void attempt() {
        int attempt = attempts.incrementAndGet();
        List<TopicDefinition<?, ?>> topics = serviceTopics.all();
        try (Admin admin = Admin.create(KafkaClients.adminConfig(kafkaConfig,
                serviceTopics.serviceName() + "-topic-bootstrap", settings.requestTimeout()))) {
            TopicProvisioner.ensureTopics(admin, topics, settings.replicationFactor(), settings.requestTimeout());
            status.set(Status.ready(topics.size()));
            LOG.infof("Service %s verified %d topics on %s after %d attempt(s)", serviceTopics.serviceName(),
                    topics.size(), KafkaClients.bootstrapServers(kafkaConfig), attempt);
        } catch (IllegalStateException mismatch) {
            // A topic with the wrong layout does not fix itself: stay DOWN and say why, without retrying.
            status.set(Status.failed(mismatch.getMessage()));
            LOG.errorf(mismatch, "Service %s found a topic that does not match its definition",
                    serviceTopics.serviceName());
        } catch (RuntimeException e) {
            status.set(Status.failed(e.getClass().getSimpleName() + ": " + e.getMessage()));
            long now = System.nanoTime();
            if (attempt == 1) {
                LOG.warnf(e, "Service %s could not set up its topics on %s; retrying every %s",
                        serviceTopics.serviceName(), KafkaClients.bootstrapServers(kafkaConfig),
                        settings.retryInterval());
                lastWarning = now;
            } else if (now - lastWarning >= REPEAT_WARNING_INTERVAL.toNanos()) {
                LOG.warnf("Service %s still cannot set up its topics on %s after %d attempts: %s",
                        serviceTopics.serviceName(), KafkaClients.bootstrapServers(kafkaConfig), attempt,
                        status.get().error());
                lastWarning = now;
            }
            if (!executor.isShutdown()) {
                executor.schedule(this::attempt, settings.retryInterval().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * The outcome of the latest attempt.
     *
     * @param ready whether every topic exists with the expected layout
     * @param topicCount number of topics verified, when ready
     * @param error the latest error, when not ready
     */
    public record Status(boolean ready, int topicCount, String error) {

        static Status pending() {
            return new Status(false, 0, "topic set-up has not finished yet");
        }

        static Status ready(int topicCount) {
            return new Status(true, topicCount, null);
        }

        static Status failed(String error) {
            return new Status(false, 0, error);
        }
    }
}
