package dev.pairstream.kafkalocal;

/**
 * Running Kafka cluster that clients reach through a bootstrap address, either the in-JVM {@link KafkaLocalBroker}
 * or a container.
 */
public interface KafkaEndpoint extends AutoCloseable {

    /**
     * Returns the address for the {@code bootstrap.servers} client setting, for example {@code 127.0.0.1:40123}.
     *
     * @throws IllegalStateException when the cluster is not running
     */
    String bootstrapServers();

    /**
     * Stops the cluster and releases its port and storage. Calling it again has no effect.
     */
    @Override
    void close();
}
