package dev.pairstream.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Reports the service ready only once its topics exist with the layout the contracts define. */
@Readiness
@ApplicationScoped
public class TopicsReadinessCheck implements HealthCheck {

    static final String NAME = "Kafka topics";

    @Inject
    TopicBootstrap bootstrap;

    @Inject
    ServiceTopics serviceTopics;

    @Override
    public HealthCheckResponse call() {
        TopicBootstrap.Status status = bootstrap.status();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME)
                .withData("service", serviceTopics.serviceName())
                .withData("topics", String.join(",", serviceTopics.all().stream().map(t -> t.name()).toList()));
        if (status.ready()) {
            return response.up().withData("verified", status.topicCount()).build();
        }
        return response.down().withData("error", status.error()).build();
    }
}
