package dev.pairstream.fisher;

import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.service.ServiceTopics;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/** The topics the fisher-service reads and writes; they are created or verified at start-up. */
public class FisherTopics {

    /** Name under which the service reports itself in health data, logs and Kafka client ids. */
    public static final String SERVICE_NAME = "fisher-service";

    @Produces
    @Singleton
    ServiceTopics serviceTopics() {
        return new ServiceTopics(SERVICE_NAME,
                List.of(Topics.PAIRS),
                List.of(Topics.FISHER, Topics.DEAD_LETTERS));
    }
}
