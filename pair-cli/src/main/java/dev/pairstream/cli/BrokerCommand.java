package dev.pairstream.cli;

import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a single-node Kafka broker (KRaft) with the pipeline's topics until interrupted. */
@Command(name = "broker",
        description = "Start a local Kafka broker (KRaft, 127.0.0.1 only) with every pipeline topic, and keep it"
                + " running until Ctrl-C.")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "9092", description = "Broker port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", defaultValue = ".pair/kafka",
            description = "Log directory, kept across restarts (default: ${DEFAULT-VALUE}).")
    Path dataDirectory;

    @Option(names = "--no-topics", description = "Start without creating the pipeline topics.")
    boolean noTopics;

    @Override
    public Integer call() throws Exception {
        KafkaLocalBroker.Builder builder = KafkaLocalBroker.builder().port(port).dataDirectory(dataDirectory);
        if (!noTopics) {
            for (TopicDefinition<?, ?> topic : Topics.all()) {
                if (topic.compacted()) {
                    builder.compactedTopic(topic.name(), topic.partitions());
                } else {
                    builder.topic(topic.name(), topic.partitions());
                }
            }
        }

        CountDownLatch stopped = new CountDownLatch(1);
        try (KafkaLocalBroker broker = builder.build().start()) {
            Thread closer = new Thread(() -> {
                broker.close();
                stopped.countDown();
            }, "pair-broker-shutdown");
            Runtime.getRuntime().addShutdownHook(closer);
            System.out.println("Kafka broker ready on " + broker.bootstrapServers() + " (data in "
                    + broker.dataDirectory().toAbsolutePath() + "); press Ctrl-C to stop.");
            stopped.await();
        }
        return 0;
    }
}
