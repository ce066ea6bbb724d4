package dev.pairstream.service;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Reports the service ready only while a Kafka broker answers a cluster description within
 * {@code pair.kafka.health-timeout}.
 *
 * <p>It replaces Quarkus' own Kafka check, whose cluster request waits for the client's default API timeout
 * (60 s) when the broker is down, longer than an orchestrator's probe waits.
 */
@Readiness
@ApplicationScoped
public class KafkaConnectionCheck implements HealthCheck {

    static final String NAME = "Kafka connection";

    private static final Logger LOG = Logger.getLogger(KafkaConnectionCheck.class);

    private final ServiceTopics serviceTopics;
    private final KafkaSettings settings;
    private final Map<String, Object> kafkaConfig;
    private Admin admin;
    private volatile boolean lastUp = true;

    @Inject
    public KafkaConnectionCheck(ServiceTopics serviceTopics, KafkaSettings settings,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.serviceTopics = serviceTopics;
        this.settings = settings;
        this.kafkaConfig = kafkaConfig;
    }

    @Override
    public HealthCheckResponse call() {
        long timeoutMillis = settings.healthTimeout().toMillis();
        try {
            DescribeClusterResult cluster = admin().describeCluster(
                    new DescribeClusterOptions().timeoutMs((int) timeoutMillis));
            Collection<Node> nodes = cluster.nodes().get(timeoutMillis, TimeUnit.MILLISECONDS);
            String clusterId = cluster.clusterId().get(timeoutMillis, TimeUnit.MILLISECONDS);
            if (!lastUp) {
                LOG.infof("Service %s reached Kafka cluster %s again", serviceTopics.serviceName(), clusterId);
            }
            lastUp = true;
            return HealthCheckResponse.named(NAME).up()
                    .withData("clusterId", clusterId)
                    .withData("nodes", nodes.size())
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down("interrupted while describing the cluster");
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return down(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
    }

    private HealthCheckResponse down(String reason) {
        if (lastUp) {
            LOG.warnf("Service %s cannot reach Kafka at %s: %s", serviceTopics.serviceName(),
                    KafkaClients.bootstrapServers(kafkaConfig), reason);
        }
        lastUp = false;
        return HealthCheckResponse.named(NAME).down()
                .withData("bootstrapServers", KafkaClients.bootstrapServers(kafkaConfig))
                .withData("reason", reason)
                .build();
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(KafkaClients.adminConfig(kafkaConfig, serviceTopics.serviceName() + "-health",
                    settings.healthTimeout()));
        }
        return admin;
    }
}
