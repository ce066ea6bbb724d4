package dev.pairstream.generator;

import dev.pairstream.contracts.topic.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Reports the service ready only while its Kafka loop runs with connected clients. */
@Readiness
@ApplicationScoped
public class FlaggedPromptConsumerCheck implements HealthCheck {

    static final String NAME = "Flagged-prompt consumer";

    @Inject
    FlaggedPromptConsumer consumer;

    @Inject
    PairGeneratorConfig config;

    @Override
    public HealthCheckResponse call() {
        FlaggedPromptConsumer.Status status = consumer.status();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME)
                .withData("topic", Topics.FLAGGED_PROMPTS.name())
                .withData("groupId", config.consumer().groupId())
                .withData("mode", config.mode().name());
        if (status.ready()) {
            return response.up().build();
        }
        return response.down().withData("error", status.error()).build();
    }
}
