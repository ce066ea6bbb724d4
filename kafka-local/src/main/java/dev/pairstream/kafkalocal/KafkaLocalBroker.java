package dev.pairstream.kafkalocal;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real Apache Kafka broker in KRaft mode that runs inside this JVM as a single node with the broker and controller
 * roles combined.
 *
 * <p>Both listeners bind 127.0.0.1 only. The broker accepts transactions and exactly-once producers because its
 * internal topics use replication factor 1. Typical use in a test:
 *
 * <pre>{@code
 * try (KafkaLocalBroker broker = KafkaLocalBroker.builder().topic("orders", 3).build().start()) {
 *     Map<String, Object> config = Map.of("bootstrap.servers", broker.bootstrapServers());
 *     ...
 * }
 * }</pre>
 *
 * <p>Instances are thread-safe. A closed broker cannot start again, so build a new one after {@link #close()}.
 */
public final class KafkaLocalBroker implements KafkaEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaLocalBroker.class);

    /** Start-up attempts when an automatically picked port was taken before the broker could bind it. */
    private static final int MAX_BIND_ATTEMPTS = 3;

    /** Pause between readiness polls. */
    private static final long READINESS_POLL_MS = 100;

    /** Upper bound for one Admin request while the broker is still starting. */
    private static final int READINESS_REQUEST_TIMEOUT_MS = 2_000;

    private enum State { NEW, RUNNING, CLOSED }

    private final BrokerSettings settings;

    private volatile State state = State.NEW;
    private volatile int boundPort;
    private volatile Path dataDirectory;
    private volatile Duration startupDuration;
    private boolean temporaryDirectory;
    private KafkaRaftServer server;
    private volatile CompletableFuture<String> fault = new CompletableFuture<>();

    KafkaLocalBroker(BrokerSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.dataDirectory = settings.dataDirectory();
    }

    /**
     * Creates a builder with the defaults: a free port, a temporary data directory and no topics.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the data directory when it has no {@code meta.properties}, starts the broker, waits until it serves
     * requests and creates the declared topics. Returns at once when the broker is already running.
     *
     * @return this broker, for chaining
     * @throws KafkaLocalException   when the broker fails to start or to become ready within the start-up timeout.
     *                               The broker is then stopped, and start() may be called again.
     * @throws IllegalStateException when the broker has been closed
     */
    public synchronized KafkaLocalBroker start() {
        if (state == State.RUNNING) {
            return this;
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException("The broker is closed; build a new one with KafkaLocalBroker.builder()");
        }
        long startNanos = System.nanoTime();
        long deadline = startNanos + settings.startupTimeout().toNanos();
        KafkaLogLevels.quietBroker();

        if (settings.dataDirectory() == null) {
            // A failed start deleted the previous temporary directory, so every attempt gets a fresh one.
            dataDirectory = DataDirectory.createTemporary();
            temporaryDirectory = true;
        }

        fault = new CompletableFuture<>();
        ExitInterceptor.register(this, fault::complete);
        try {
            DataDirectory.formatIfAbsent(dataDirectory);
            launch();
            try (Admin admin = createAdmin(READINESS_REQUEST_TIMEOUT_MS)) {
                awaitReady(admin, deadline);
                List<NewTopic> topics = settings.topics().stream().map(TopicSpec::toNewTopic).toList();
                TopicCreator.ensureTopics(admin, topics, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
        } catch (RuntimeException e) {
            abortStart(e);
            throw e;
        }

        startupDuration = Duration.ofNanos(System.nanoTime() - startNanos);
        state = State.RUNNING;
        LOG.info("Kafka broker ready on {} in {} ms, data directory {}", bootstrapAddress(),
                startupDuration.toMillis(), dataDirectory);
        return this;
    }

    /**
     * Returns the client bootstrap address, {@code 127.0.0.1:<port>}.
     *
     * @throws IllegalStateException when the broker is not running
     */
    @Override
    public String bootstrapServers() {
        requireRunning();
        return bootstrapAddress();
    }

    /**
     * Returns the port of the client listener, which differs from the configured one when that was 0.
     *
     * @throws IllegalStateException when the broker is not running
     */
    public int port() {
        requireRunning();
        return boundPort;
    }

    /**
     * Returns the data directory: the configured one, or the temporary one that {@link #start()} created. A
     * temporary directory no longer exists after {@link #close()} or a failed start.
     *
     * @throws IllegalStateException when the directory is temporary and the broker has not been started yet
     */
    public Path dataDirectory() {
        Path directory = dataDirectory;
        if (directory == null) {
            throw new IllegalStateException("The temporary data directory is created by start(); call it first");
        }
        return directory;
    }

    /**
     * Returns the time {@link #start()} took, from the format step until the declared topics had leaders.
     *
     * @throws IllegalStateException when the broker has not been started
     */
    public Duration startupDuration() {
        Duration duration = startupDuration;
        if (duration == null) {
            throw new IllegalStateException("The broker has not been started");
        }
        return duration;
    }

    /**
     * Tells whether the broker has started and is not closed yet.
     */
    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /**
     * Creates a topic with the given partition count and replication factor 1, and waits until its partitions
     * have a leader.
     *
     * @throws IllegalArgumentException when the name or partition count is invalid
     * @throws IllegalStateException    when the topic exists with fewer partitions or compaction enabled
     */
    public void createTopic(String name, int partitions) {
        createTopics(List.of(new TopicSpec(name, partitions, false).toNewTopic()));
    }

    /**
     * Creates topics and waits until their partitions have a leader. A topic that exists already is accepted when
     * it has at least the requested partitions and the same compaction setting.
     *
     * @throws IllegalStateException when an existing topic differs from the request, or the broker is not running
     * @throws KafkaLocalException   when the broker rejects a topic or the start-up timeout passes
     */
    public void createTopics(NewTopic... topics) {
        createTopics(Arrays.asList(topics));
    }

    /**
     * Creates topics and waits until their partitions have a leader; see {@link #createTopics(NewTopic...)}.
     */
    public void createTopics(Collection<NewTopic> topics) {
        Objects.requireNonNull(topics, "topics");
        requireRunning();
        try (Admin admin = createAdmin((int) Math.min(Integer.MAX_VALUE, settings.startupTimeout().toMillis()))) {
            TopicCreator.ensureTopics(admin, List.copyOf(topics), settings.startupTimeout());
        }
    }

    /**
     * Stops the broker, waits for its threads to finish and deletes the data directory when it is a temporary one
     * that this broker created. Calling it again has no effect.
     *
     * @throws UncheckedIOException when the temporary data directory cannot be deleted
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        boolean wasRunning = state == State.RUNNING;
        state = State.CLOSED;
        RuntimeException failure = null;
        try {
            stopServer();
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            ExitInterceptor.unregister(this);
        }
        try {
            deleteTemporaryDirectory();
        } catch (UncheckedIOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (wasRunning) {
            LOG.info("Kafka broker on {} stopped", bootstrapAddress());
        }
    }

    /**
     * Completes with a description when Kafka requests a JVM exit or halt, which it does after a fatal fault.
     */
    CompletableFuture<String> faults() {
        return fault;
    }

    private void launch() {
        for (int attempt = 1; ; attempt++) {
            int brokerPort = settings.port();
            int[] candidates = FreePorts.pick(2);
            if (brokerPort == 0) {
                brokerPort = candidates[0];
            }
            int controllerPort = candidates[0] != brokerPort ? candidates[0] : candidates[1];
            KafkaConfig config = toKafkaConfig(BrokerConfigs.build(
                    dataDirectory, brokerPort, controllerPort, settings.brokerProperties()));
            KafkaRaftServer candidate = null;
            try {
                candidate = new KafkaRaftServer(config, Time.SYSTEM);
                candidate.startup();
                server = candidate;
                boundPort = brokerPort;
                return;
            } catch (RuntimeException e) {
                shutdownQuietly(candidate);
                if (isBindFailure(e) && attempt < MAX_BIND_ATTEMPTS && !mentionsFixedPort(e)) {
                    LOG.warn("Port {} or {} was taken before the broker could bind it; retrying with new ports",
                            brokerPort, controllerPort);
                    continue;
                }
                throw new KafkaLocalException("Failed to start Kafka broker on " + BrokerConfigs.HOST + ":"
                        + brokerPort + " (controller port " + controllerPort + ", data directory "
                        + dataDirectory + "): " + describe(e), e);
            }
        }
    }

    private static KafkaConfig toKafkaConfig(Properties properties) {
        try {
            return KafkaConfig.fromProps(properties, false);
        } catch (ConfigException e) {
            throw new KafkaLocalException("Invalid broker configuration: " + e.getMessage(), e);
        }
    }

    private void awaitReady(Admin admin, long deadline) {
        Exception lastError = null;
        while (true) {
            if (fault.isDone()) {
                throw new KafkaLocalException("Kafka broker failed during start-up: " + fault.getNow(""));
            }
            try {
                long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions()
                                .timeoutMs((int) Math.min(remaining, READINESS_REQUEST_TIMEOUT_MS)))
                        .nodes().get(remaining, TimeUnit.MILLISECONDS);
                if (nodes.stream().anyMatch(node -> node.id() == BrokerConfigs.NODE_ID)) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                lastError = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaLocalException("Interrupted while waiting for the Kafka broker to become ready", e);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new KafkaLocalException("Kafka broker on " + bootstrapAddress()
                        + " did not become ready within " + settings.startupTimeout().toMillis() + " ms", lastError);
            }
            pauseBeforeNextPoll();
        }
    }

    private Admin createAdmin(int requestTimeoutMs) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapAddress());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-local-admin");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(requestTimeoutMs,
                (int) Math.min(Integer.MAX_VALUE, settings.startupTimeout().toMillis())));
        return Admin.create(config);
    }

    private void abortStart(RuntimeException cause) {
        try {
            stopServer();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        } finally {
            ExitInterceptor.unregister(this);
        }
        try {
            deleteTemporaryDirectory();
        } catch (UncheckedIOException e) {
            cause.addSuppressed(e);
        }
    }

    private void stopServer() {
        KafkaRaftServer running = server;
        server = null;
        if (running != null) {
            running.shutdown();
            running.awaitShutdown();
        }
    }

    private void deleteTemporaryDirectory() {
        if (temporaryDirectory) {
            temporaryDirectory = false;
            DataDirectory.deleteRecursively(dataDirectory);
        }
    }

    private static void shutdownQuietly(KafkaRaftServer candidate) {
        if (candidate == null) {
            return;
        }
        try {
            candidate.shutdown();
            candidate.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Shutting down the broker after a failed start-up failed as well", e);
        }
    }

    private static boolean isBindFailure(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.BindException
                    || String.valueOf(cause.getMessage()).contains("failed to bind")) {
                return true;
            }
        }
        return false;
    }

    private boolean mentionsFixedPort(Throwable error) {
        if (settings.port() == 0) {
            return false;
        }
        String fixedAddress = BrokerConfigs.HOST + ":" + settings.port();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (String.valueOf(cause.getMessage()).contains(fixedAddress)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable error) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = error; cause != null && messages.size() < 4; cause = cause.getCause()) {
            if (cause.getMessage() != null && !messages.contains(cause.getMessage())) {
                messages.add(cause.getMessage());
            }
        }
        return messages.isEmpty() ? error.getClass().getName() : String.join(": ", messages);
    }

    private static void pauseBeforeNextPoll() {
        try {
            Thread.sleep(READINESS_POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaLocalException("Interrupted while waiting for the Kafka broker to become ready", e);
        }
    }

    private String bootstrapAddress() {
        return BrokerConfigs.HOST + ":" + boundPort;
    }

    private void requireRunning() {
        State current = state;
        if (current != State.RUNNING) {
            throw new IllegalStateException(current == State.NEW
                    ? "The broker is not started; call start() first"
                    : "The broker is closed");
        }
    }

    /**
     * Collects the settings of a {@link KafkaLocalBroker}. Each {@link #build()} call returns a new broker with a
     * snapshot of the settings made so far.
     */
    public static final class Builder {

        /** Upper bound for start-up, readiness and topic creation; generous for slow CI machines. */
        private static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);

        private int port;
        private Path dataDirectory;
        private final Map<String, TopicSpec> topics = new LinkedHashMap<>();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;

        private Builder() {
        }

        /**
         * Sets the port of the client listener on 127.0.0.1; 0, the default, picks a free port at start-up.
         *
         * @throws IllegalArgumentException when the port is outside 0..65535
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(
                        "Invalid port " + port + ": expected 0 (pick a free port) to 65535");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets a persistent data directory that survives {@link KafkaLocalBroker#close()}. It is formatted on the
         * first start and reused as it is afterwards. Without this setting the broker uses a temporary directory
         * that close() deletes.
         */
        public Builder dataDirectory(Path dataDirectory) {
            Path absolute = Objects.requireNonNull(dataDirectory, "dataDirectory must not be null")
                    .toAbsolutePath().normalize();
            // Kafka reads log.dirs as a comma-separated list, so a comma would split the path in two.
            if (absolute.toString().contains(",")) {
                throw new IllegalArgumentException(
                        "Invalid data directory '" + absolute + "': the path must not contain a comma");
            }
            this.dataDirectory = absolute;
            return this;
        }

        /**
         * Declares a topic with the delete cleanup policy that {@link KafkaLocalBroker#start()} creates.
         *
         * @throws IllegalArgumentException when the name is invalid or declared already, or partitions is below 1
         */
        public Builder topic(String name, int partitions) {
            return addTopic(new TopicSpec(name, partitions, false));
        }

        /**
         * Declares a topic with {@code cleanup.policy=compact} that {@link KafkaLocalBroker#start()} creates.
         *
         * @throws IllegalArgumentException when the name is invalid or declared already, or partitions is below 1
         */
        public Builder compactedTopic(String name, int partitions) {
            return addTopic(new TopicSpec(name, partitions, true));
        }

        /**
         * Sets a Kafka server property, for example {@code log.retention.ms}, over the single-node defaults.
         *
         * @throws IllegalArgumentException when the key is blank or is one of the listener, quorum and directory
         *                                  properties that kafka-local sets itself
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "broker property key must not be null");
            Objects.requireNonNull(value, () -> "value of broker property '" + key + "' must not be null");
            String trimmedKey = key.trim();
            if (trimmedKey.isEmpty()) {
                throw new IllegalArgumentException("Broker property key must not be blank");
            }
            if (BrokerConfigs.MANAGED_KEYS.contains(trimmedKey)) {
                throw new IllegalArgumentException("Broker property '" + trimmedKey + "' is set by kafka-local from "
                        + "port() and dataDirectory(); it cannot be overridden");
            }
            brokerProperties.put(trimmedKey, value);
            return this;
        }

        /**
         * Sets the upper bound for {@link KafkaLocalBroker#start()}, including readiness and topic creation, and
         * for {@link KafkaLocalBroker#createTopics(Collection)}; 60 seconds by default.
         *
         * @throws IllegalArgumentException when the timeout is zero or negative
         */
        public Builder startupTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "startupTimeout must not be null");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("Invalid start-up timeout " + timeout + ": expected a positive duration");
            }
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * Creates a broker with the current settings. The broker does not run until {@link KafkaLocalBroker#start()}.
         */
        public KafkaLocalBroker build() {
            return new KafkaLocalBroker(settings());
        }

        BrokerSettings settings() {
            return new BrokerSettings(port, dataDirectory, new ArrayList<>(topics.values()), brokerProperties,
                    startupTimeout);
        }

        private Builder addTopic(TopicSpec topic) {
            if (topics.containsKey(topic.name())) {
                throw new IllegalArgumentException("Topic '" + topic.name() + "' is declared twice");
            }
            topics.put(topic.name(), topic);
            return this;
        }
    }
}
