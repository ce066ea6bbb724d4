package dev.pairstream.generator;

import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import dev.pairstream.service.ServiceStartupChecks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;

@QuarkusTest
@QuarkusTestResource(KafkaLocalTestResource.class)
class PairGeneratorStartupTest extends ServiceStartupChecks {

    @Override
    protected List<TopicDefinition<?, ?>> expectedTopics() {
        return List.of(Topics.FLAGGED_PROMPTS, Topics.PAIRS, Topics.DEAD_LETTERS);
    }
}
