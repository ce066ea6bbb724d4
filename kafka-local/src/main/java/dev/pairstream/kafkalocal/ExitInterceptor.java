package dev.pairstream.kafkalocal;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces Kafka's exit and halt procedures while at least one local broker runs in this JVM.
 *
 * <p>The broker's fatal-fault handler calls {@link Exit#halt(int, String)}, for example when the log cleaner cannot
 * allocate its buffer. In a test JVM that would end the whole test run without a report, so the replacement
 * procedures tell every registered broker about the request and throw {@link KafkaLocalException} in the calling
 * thread instead. The procedures are JVM-wide, so a request reaches all brokers that are registered at that moment.
 */
final class ExitInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(ExitInterceptor.class);

    private static final Object LOCK = new Object();

    /** Listeners by owner; an identity map because brokers do not define equality. */
    private static final Map<Object, Consumer<String>> LISTENERS = new IdentityHashMap<>();

    private ExitInterceptor() {
    }

    /**
     * Registers an owner and installs the replacement procedures when it is the first one.
     *
     * @param owner    the broker that registers, used as the key for {@link #unregister(Object)}
     * @param listener receives a description of each exit or halt request
     */
    static void register(Object owner, Consumer<String> listener) {
        synchronized (LOCK) {
            if (LISTENERS.isEmpty()) {
                Exit.setExitProcedure((statusCode, message) -> intercept("exit", statusCode, message));
                Exit.setHaltProcedure((statusCode, message) -> intercept("halt", statusCode, message));
            }
            LISTENERS.put(owner, listener);
        }
    }

    /**
     * Unregisters an owner and restores Kafka's default procedures when it was the last one.
     */
    static void unregister(Object owner) {
        synchronized (LOCK) {
            if (LISTENERS.remove(owner) != null && LISTENERS.isEmpty()) {
                // NOTE: Exit has no getter, so a procedure that other code installed before the first broker
                // started is replaced by Kafka's default here, not restored.
                Exit.resetExitProcedure();
                Exit.resetHaltProcedure();
            }
        }
    }

    private static void intercept(String kind, int statusCode, String message) {
        String description = "Kafka requested JVM " + kind + " with status " + statusCode
                + (message == null ? "" : ": " + message) + " (thread " + Thread.currentThread().getName() + ")";
        LOG.error("{}; kafka-local throws instead of ending the JVM", description);
        List<Consumer<String>> listeners;
        synchronized (LOCK) {
            listeners = new ArrayList<>(LISTENERS.values());
        }
        for (Consumer<String> listener : listeners) {
            listener.accept(description);
        }
        throw new KafkaLocalException(description);
    }
}
