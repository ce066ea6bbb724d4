package dev.pairstream.cli;

import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** The broker of the Kafka benchmarks: in-JVM, on a free port of 127.0.0.1, temporary data, every pipeline topic. */
final class BenchBroker {

    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(60);

    private BenchBroker() {
    }

    /** Starts the broker and creates the pipeline topics; the caller closes it. */
    static KafkaLocalBroker start() {
        KafkaLocalBroker broker = KafkaLocalBroker.builder().port(0).build().start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, TOPIC_TIMEOUT);
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }
}
