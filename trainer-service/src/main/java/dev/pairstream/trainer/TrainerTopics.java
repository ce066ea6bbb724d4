package dev.pairstream.trainer;

import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.service.ServiceTopics;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** The topics the trainer-service reads and writes; they are created or verified at start-up. */
public class TrainerTopics {

    /** Name under which the service reports itself in health data, logs and Kafka client ids. */
    public static final String SERVICE_NAME = "trainer-service";

    @Produces
    @Singleton
    ServiceTopics serviceTopics() {
        return new ServiceTopics(SERVICE_NAME,
                List.of(Topics.PAIRS, Topics.FISHER),
                List.of(Topics.TRAINING_JOBS, Topics.ADAPTER_CANDIDATES, Topics.DEAD_LETTERS));
    }
}
