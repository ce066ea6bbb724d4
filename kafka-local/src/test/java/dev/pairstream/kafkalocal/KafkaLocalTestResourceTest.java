package dev.pairstream.kafkalocal;

import static dev.pairstream.kafkalocal.KafkaTestClients.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager.TestInjector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

/** The Quarkus test resource driven through its lifecycle methods, as Quarkus calls them. */
class KafkaLocalTestResourceTest {

    @Test
    void startReturnsBootstrapConfig() throws Exception {
        // Given a resource with two topics in its init arguments
        KafkaLocalTestResource resource = new KafkaLocalTestResource();
        resource.init(Map.of(KafkaLocalTestResource.TOPICS_ARG, "resource-orders:3, resource-state:2:compact"));

        try {
            // When Quarkus starts it
            Map<String, String> config = resource.start();

            // Then both bootstrap keys point at the running broker, which has the topics
            String address = resource.broker().bootstrapServers();
            assertEquals(Map.of(
                    KafkaLocalTestResource.KAFKA_BOOTSTRAP_SERVERS, address,
                    KafkaLocalTestResource.KAFKA_STREAMS_BOOTSTRAP_SERVERS, address), config);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address))) {
                Map<String, TopicDescription> topics = admin
                        .describeTopics(List.of("resource-orders", "resource-state"))
                        .allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(3, topics.get("resource-orders").partitions().size());
                assertEquals(2, topics.get("resource-state").partitions().size());
            }
        } finally {
            resource.stop();
        }
    }

    @Test
    void injectSetsBrokerFields() throws Exception {
        // Given a started resource and a test instance with a broker field
        KafkaLocalTestResource resource = new KafkaLocalTestResource();
        resource.init(Map.of());
        resource.start();
        SampleTest testInstance = new SampleTest();
        try {
            // When Quarkus calls the resource to inject into the test instance
            resource.inject(new FieldInjector(testInstance));

            // Then the broker field contains the running broker and other fields are untouched
            assertSame(resource.broker(), testInstance.broker);
            assertNull(testInstance.unrelated);
        } finally {
            resource.stop();
        }
    }

    @Test
    void stopClosesTheBroker() {
        // Given a started resource
        KafkaLocalTestResource resource = new KafkaLocalTestResource();
        resource.init(Map.of());
        resource.start();
        KafkaLocalBroker broker = resource.broker();
        int port = broker.port();

        // When Quarkus stops it, twice as a failing test run may
        resource.stop();
        resource.stop();

        // Then the broker is closed and its port released
        assertFalse(broker.isRunning());
        assertNull(resource.broker());
        assertTrue(KafkaTestClients.isPortFree(port));
    }

    @Test
    void initRejectsMalformedArguments() {
        // Given a resource
        KafkaLocalTestResource resource = new KafkaLocalTestResource();

        // When init arguments are malformed, then the error names the argument and the expected form
        IllegalArgumentException topicError = assertThrows(IllegalArgumentException.class,
                () -> resource.init(Map.of(KafkaLocalTestResource.TOPICS_ARG, "orders")));
        IllegalArgumentException portError = assertThrows(IllegalArgumentException.class,
                () -> resource.init(Map.of(KafkaLocalTestResource.PORT_ARG, "ninety")));
        IllegalArgumentException unknownError = assertThrows(IllegalArgumentException.class,
                () -> resource.init(Map.of("topic", "orders:1")));

        assertTrue(topicError.getMessage().contains("'orders'"), topicError.getMessage());
        assertTrue(topicError.getMessage().contains("name:partitions"), topicError.getMessage());
        assertTrue(portError.getMessage().contains("ninety"), portError.getMessage());
        assertTrue(unknownError.getMessage().contains("'topic'"), unknownError.getMessage());
    }

    /** Test instance shape that Quarkus would inject into. */
    static class SampleTest {
        KafkaLocalBroker broker;
        String unrelated;
    }

    /** Injector that sets matching fields of one object, as Quarkus does for the test instance. */
    private record FieldInjector(Object target) implements TestInjector {

        @Override
        public void injectIntoFields(Object fieldValue, Predicate<Field> predicate) {
            for (Field field : target.getClass().getDeclaredFields()) {
                if (predicate.test(field)) {
                    try {
                        field.setAccessible(true);
                        field.set(target, fieldValue);
                    } catch (IllegalAccessException e) {
                        throw new AssertionError("Failed to set field " + field.getName(), e);
                    }
                }
            }
        }
    }
}
