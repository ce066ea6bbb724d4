package dev.pairstream.cli;

import dev.pairstream.contracts.topic.TopicProvisioner;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs a single-node Kafka broker (KRaft) with the pipeline's topics until interrupted. */
@Command(name = "broker",
        mixinStandardHelpOptions = true,
        description = "Start a local Kafka broker (KRaft, 127.0.0.1 only) with every pipeline topic, and keep it"
                + " running until Ctrl-C.")
final class BrokerCommand implements Callable<Integer> {

    /** Time limit for creating or verifying the pipeline topics once the broker runs. */
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--port", defaultValue = "9092",
            description = "Broker port on 127.0.0.1, 1 to 65535 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", defaultValue = ".pair/kafka",
            description = "Log directory, kept across restarts.%n(default: ${DEFAULT-VALUE})")
    Path dataDirectory;

    @Option(names = "--no-topics", description = "Start without creating the pipeline topics.")
    boolean noTopics;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--port': " + port + " is not a port number from 1 to 65535");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (KafkaLocalBroker broker = startWithTopics(port, dataDirectory, !noTopics)) {
            Thread closer = new Thread(() -> {
                broker.close();
                stopped.countDown();
            }, "pair-broker-shutdown");
            Runtime.getRuntime().addShutdownHook(closer);
            spec.commandLine().getOut().println("Kafka broker ready on " + broker.bootstrapServers() + " (data in "
                    + broker.dataDirectory().toAbsolutePath() + "); press Ctrl-C to stop.");
            spec.commandLine().getOut().flush();
            stopped.await();
        }
        return 0;
    }

    /**
     * Starts a broker and, when asked, creates or verifies every pipeline topic with its full definition
     * (partitions, compaction and retention), including topics an earlier run in the same data directory created.
     */
    static KafkaLocalBroker startWithTopics(int port, Path dataDirectory, boolean withTopics) {
        KafkaLocalBroker broker = KafkaLocalBroker.builder().port(port).dataDirectory(dataDirectory).build().start();
        if (withTopics) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                TopicProvisioner.ensureTopics(admin, Topics.all(), (short) 1, TOPIC_TIMEOUT);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
        }
        return broker;
    }
}
