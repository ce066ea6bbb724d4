package dev.pairstream.kafkalocal;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit Jupiter extension that starts one Kafka broker per test class and closes it after the class.
 *
 * <p>With {@code @ExtendWith(KafkaLocalExtension.class)} the class gets a broker with the builder defaults. Test
 * methods, constructors and lifecycle methods declare a {@link KafkaLocalBroker} or {@link KafkaEndpoint}
 * parameter to receive it. For topics or broker properties, register an instance instead:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaLocalExtension KAFKA =
 *         new KafkaLocalExtension(KafkaLocalBroker.builder().topic("orders", 3));
 * }</pre>
 *
 * <p>{@code @Nested} classes share the broker of their enclosing class. The broker lives in the extension context
 * store, so JUnit closes it even when a callback fails.
 *
 * <p>When the system property {@value #TESTCONTAINERS_PROPERTY} is {@code true}, Testcontainers is on the classpath
 * and a Docker daemon responds, the broker runs in a container instead; the class then receives only
 * {@link KafkaEndpoint} parameters. Without Docker the extension logs one line and uses the in-JVM broker.
 */
public final class KafkaLocalExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** System property that opts in to a Testcontainers broker when Docker is available. */
    public static final String TESTCONTAINERS_PROPERTY = "pairstream.kafka.testcontainers";

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaLocalExtension.class);

    private static final String ENDPOINT_KEY = "endpoint";

    private final KafkaLocalBroker.Builder builder;

    /**
     * Creates an extension that starts brokers with the builder defaults; used by {@code @ExtendWith}.
     */
    public KafkaLocalExtension() {
        this(KafkaLocalBroker.builder());
    }

    /**
     * Creates an extension that starts brokers with the settings of {@code builder}, read when each test class
     * starts.
     */
    public KafkaLocalExtension(KafkaLocalBroker.Builder builder) {
        this.builder = Objects.requireNonNull(builder, "builder must not be null");
    }

    /**
     * Starts the class's broker unless an enclosing class has one already.
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        if (store.get(ENDPOINT_KEY, OwnedEndpoint.class) != null) {
            return;
        }
        KafkaEndpoint endpoint = KafkaEndpoints.start(builder.settings());
        store.put(ENDPOINT_KEY, new OwnedEndpoint(context.getUniqueId(), endpoint));
    }

    /**
     * Closes the broker when this class started it; an enclosing class closes a shared one.
     */
    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        OwnedEndpoint owned = store.get(ENDPOINT_KEY, OwnedEndpoint.class);
        if (owned != null && owned.ownerId().equals(context.getUniqueId())) {
            store.remove(ENDPOINT_KEY, OwnedEndpoint.class);
            owned.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == KafkaLocalBroker.class || type == KafkaEndpoint.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        OwnedEndpoint owned = extensionContext.getStore(NAMESPACE).get(ENDPOINT_KEY, OwnedEndpoint.class);
        if (owned == null) {
            throw new ParameterResolutionException("No Kafka broker is running for "
                    + extensionContext.getDisplayName() + "; KafkaLocalExtension starts one per test class, so "
                    + "register it on the class, not on a method");
        }
        Class<?> type = parameterContext.getParameter().getType();
        if (type == KafkaLocalBroker.class && !(owned.endpoint() instanceof KafkaLocalBroker)) {
            throw new ParameterResolutionException("The broker runs in a container because "
                    + TESTCONTAINERS_PROPERTY + "=true; declare parameter '" + parameterContext.getParameter()
                    + "' as KafkaEndpoint");
        }
        return owned.endpoint();
    }

    /**
     * Store entry that remembers which class started the broker, so that nested classes do not close it; JUnit
     * closes it with the store when a failure skipped {@link #afterAll(ExtensionContext)}.
     */
    private record OwnedEndpoint(String ownerId, KafkaEndpoint endpoint) implements AutoCloseable {

        @Override
        public void close() {
            endpoint.close();
        }
    }
}
