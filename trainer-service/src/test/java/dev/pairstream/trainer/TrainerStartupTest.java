package dev.pairstream.trainer;

import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import dev.pairstream.service.ServiceStartupChecks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;

@QuarkusTest
@QuarkusTestResource(KafkaLocalTestResource.class)
class TrainerStartupTest extends ServiceStartupChecks {

    @Override
    protected List<TopicDefinition<?, ?>> expectedTopics() {
        return List.of(Topics.PAIRS, Topics.FISHER, Topics.TRAINING_JOBS, Topics.ADAPTER_CANDIDATES, Topics.DEAD_LETTERS);
    }
}
