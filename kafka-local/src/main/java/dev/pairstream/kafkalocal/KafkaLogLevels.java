package dev.pairstream.kafkalocal;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.logging.Level;

/**
 * Lowers the default log level of the broker's loggers, which log hundreds of INFO lines per start-up.
 *
 * <p>Covers the two kinds of SLF4J providers this project uses: slf4j-simple, through its
 * {@code org.slf4j.simpleLogger.log.*} system properties, and JUL-based providers such as JBoss LogManager in
 * Quarkus, through {@link java.util.logging.Logger} levels. A level that a system property, simplelogger.properties
 * or JUL already sets is left alone, so a user can turn the broker logs back on. A log4j2 provider keeps its own
 * configuration.
 */
final class KafkaLogLevels {

    /** Logger name roots of the broker (Scala classes use "kafka", Java classes "org.apache.kafka"). */
    private static final List<String> KAFKA_LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger");

    /** Loggers that report a failed Docker probe at ERROR with a stack trace. */
    private static final List<String> DOCKER_PROBE_LOGGERS =
            List.of("org.testcontainers.dockerclient", "org.testcontainers.DockerClientFactory");

    private static final String SIMPLE_LOGGER_PREFIX = "org.slf4j.simpleLogger.log.";

    /** Settings from the classpath file that slf4j-simple reads; system properties would override them. */
    private static final Properties SIMPLE_LOGGER_FILE = loadSimpleLoggerFile();

    /** Strong references, because the JUL log manager only keeps weak ones and would forget the levels. */
    private static final List<java.util.logging.Logger> CONFIGURED = new ArrayList<>();

    private KafkaLogLevels() {
    }

    /**
     * Sets the broker's loggers to WARN unless a level is configured for them. Must run before the broker classes
     * load, because slf4j-simple reads the level when a logger is created.
     */
    static void quietBroker() {
        for (String name : KAFKA_LOGGERS) {
            setDefault(name, "warn", Level.WARNING);
        }
    }

    /**
     * Turns off the Docker probe's own error logs unless a level is configured for them. The caller logs one line
     * with the reason it falls back to the in-JVM broker instead.
     */
    static void quietDockerProbe() {
        for (String name : DOCKER_PROBE_LOGGERS) {
            setDefault(name, "off", Level.OFF);
        }
    }

    private static Properties loadSimpleLoggerFile() {
        Properties properties = new Properties();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = KafkaLogLevels.class.getClassLoader();
        }
        try (InputStream input = loader.getResourceAsStream("simplelogger.properties")) {
            if (input != null) {
                properties.load(input);
            }
        } catch (IOException e) {
            // An unreadable file configures nothing, so the defaults below apply.
        }
        return properties;
    }

    private static void setDefault(String loggerName, String simpleLevel, Level julLevel) {
        String property = SIMPLE_LOGGER_PREFIX + loggerName;
        if (System.getProperty(property) == null && !SIMPLE_LOGGER_FILE.containsKey(property)) {
            System.setProperty(property, simpleLevel);
        }
        synchronized (CONFIGURED) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(loggerName);
            if (logger.getLevel() == null) {
                logger.setLevel(julLevel);
                CONFIGURED.add(logger);
            }
        }
    }
}
