package dev.pairstream.kafkalocal;

/**
 * Failure of a local Kafka broker: it could not start, did not become ready in time, rejected a topic, or asked
 * the JVM to exit or halt.
 */
public class KafkaLocalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message that names the failed step and the values involved.
     */
    public KafkaLocalException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message that names the failed step, and the error that caused it.
     */
    public KafkaLocalException(String message, Throwable cause) {
        super(message, cause);
    }
}
