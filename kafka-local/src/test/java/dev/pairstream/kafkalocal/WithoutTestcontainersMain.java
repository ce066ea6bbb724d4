package dev.pairstream.kafkalocal;

/**
 * Runs in a child JVM whose class path lacks Testcontainers: loads the extension, opts in to Testcontainers and
 * starts a broker, which must fall back to the in-JVM one. Prints the endpoint type on success.
 */
public final class WithoutTestcontainersMain {

    private WithoutTestcontainersMain() {
    }

    public static void main(String[] args) throws ClassNotFoundException {
        Class.forName(KafkaLocalExtension.class.getName(), true, WithoutTestcontainersMain.class.getClassLoader());
        System.setProperty(KafkaLocalExtension.TESTCONTAINERS_PROPERTY, "true");
        try (KafkaEndpoint endpoint = KafkaEndpoints.start(KafkaLocalBroker.builder().settings())) {
            System.out.println("endpoint " + endpoint.getClass().getSimpleName() + " " + endpoint.bootstrapServers());
        }
    }
}
