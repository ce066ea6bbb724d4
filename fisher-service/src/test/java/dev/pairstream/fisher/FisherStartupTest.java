package dev.pairstream.fisher;

import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import dev.pairstream.service.ServiceStartupChecks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;

@QuarkusTest
@QuarkusTestResource(KafkaLocalTestResource.class)
class FisherStartupTest extends ServiceStartupChecks {

    @Override
    protected List<TopicDefinition<?, ?>> expectedTopics() {
        return List.of(Topics.PAIRS, Topics.FISHER, Topics.DEAD_LETTERS);
    }
}
