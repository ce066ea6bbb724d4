package dev.pairstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

class PairsBenchmarkTest {

    @Test
    void benchmarkSidesAgreeOnOutputs() throws Exception {
        // Given 12 prompts: 6 with a catalog term, 3 without one, 3 with a category the catalog lacks
        List<FlaggedPrompt> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            prompts.add(TestPrompts.flagged("knife-" + i, "a kitchen knife on a red table, photo " + i));
        }
        for (int i = 0; i < 3; i++) {
            prompts.add(TestPrompts.flagged("plain-" + i, "a quiet lake at dawn, painting " + i));
        }
        for (int i = 0; i < 3; i++) {
            prompts.add(TestPrompts.flagged("hate-" + i, "a kitchen knife, poster " + i, List.of("hate")));
        }

        // When the benchmark runs them through a fresh broker and in process
        PairsBenchmark.Result result;
        try (KafkaLocalBroker broker = KafkaLocalBroker.builder().port(0).build().start()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, Duration.ofSeconds(60));
            }
            result = PairsBenchmark.run(prompts, broker.bootstrapServers(), 1, 2, Duration.ofSeconds(120));
        }

        // Then both sides publish the 6 pairs and dead-letter the other 6, with the reasons of each
        assertEquals(12, result.prompts());
        assertEquals(new PairsBenchmark.Outputs(6, 6), result.broker());
        assertEquals(new PairsBenchmark.Outputs(6, 6), result.inProcess());
        assertEquals(Map.of("unmatched", 3, "unknown_category", 3), result.inProcessReasons());
        assertTrue(result.brokerSeconds() > 0, result.toString());
        assertTrue(result.inProcessSeconds() > 0, result.toString());
        assertTrue(result.inProcessRewriteSeconds() > 0, result.toString());
        assertTrue(result.inProcessRewriteSeconds() <= result.inProcessSeconds(), result.toString());
        assertEquals(result.brokerPromptsPerSecond() / result.inProcessPromptsPerSecond(), result.ratio(), 1e-12);
    }
}
