package dev.pairstream.evaluator;

import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalTestResource;
import dev.pairstream.service.ServiceStartupChecks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;

@QuarkusTest
@QuarkusTestResource(KafkaLocalTestResource.class)
class EvaluatorStartupTest extends ServiceStartupChecks {

    @Override
    protected List<TopicDefinition<?, ?>> expectedTopics() {
        return List.of(Topics.ADAPTER_CANDIDATES, Topics.EVALUATIONS, Topics.ADAPTERS_PROMOTED, Topics.DEAD_LETTERS);
    }
}
