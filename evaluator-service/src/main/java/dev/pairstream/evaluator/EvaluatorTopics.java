package dev.pairstream.evaluator;

import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.service.ServiceTopics;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** The topics the evaluator-service reads and writes; they are created or verified at start-up. */
public class EvaluatorTopics {

    /** Name under which the service reports itself in health data, logs and Kafka client ids. */
    public static final String SERVICE_NAME = "evaluator-service";

    @Produces
    @Singleton
    ServiceTopics serviceTopics() {
        return new ServiceTopics(SERVICE_NAME,
                List.of(Topics.ADAPTER_CANDIDATES),
                List.of(Topics.EVALUATIONS, Topics.ADAPTERS_PROMOTED, Topics.DEAD_LETTERS));
    }
}
