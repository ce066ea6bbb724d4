package dev.pairstream.kafkalocal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line arguments of {@link KafkaLocalMain}.
 *
 * @param help             whether {@code --help} was given
 * @param port             client port, 0 for a free one
 * @param dataDirectory    persistent data directory, or null for a temporary one
 * @param topics           topics to create
 * @param brokerProperties server properties over the single-node defaults
 * @param readyFile        file to write the bootstrap address to once the broker is ready, or null
 */
record MainArguments(
        boolean help,
        int port,
        Path dataDirectory,
        List<TopicSpec> topics,
        Map<String, String> brokerProperties,
        Path readyFile) {

    /** Port of a stock Kafka broker, so that tools with default settings find the local one. */
    static final int DEFAULT_PORT = 9092;

    static final String USAGE = String.join(System.lineSeparator(),
            "Usage: kafka-local [options]",
            "Runs a single-node Apache Kafka broker (KRaft, broker and controller combined) on 127.0.0.1.",
            "",
            "Options:",
            "  --port N                    client port; 0 picks a free one (default " + DEFAULT_PORT + ")",
            "  --data-dir PATH             persistent data directory, formatted on first use and reused",
            "                              afterwards (default: a temporary directory deleted on exit)",
            "  --topic NAME:PARTITIONS[:compact]",
            "                              topic to create at start-up; repeatable",
            "  --broker-property KEY=VALUE Kafka server property over the defaults; repeatable",
            "  --ready-file PATH           file that receives the bootstrap address once the broker is ready",
            "                              and is deleted on shutdown",
            "  -h, --help                  print this help and exit",
            "",
            "Prints \"kafka-local ready on 127.0.0.1:PORT\" when ready and stops cleanly on SIGTERM or Ctrl-C.",
            "Exit codes: 0 after --help, 1 when the broker fails, 2 for invalid arguments.");

    MainArguments {
        topics = List.copyOf(topics);
        brokerProperties = Map.copyOf(brokerProperties);
    }

    /**
     * Parses the arguments; options take their value as the next argument or after "=".
     *
     * @throws IllegalArgumentException naming the offending option or value
     */
    static MainArguments parse(String[] args) {
        boolean help = false;
        int port = DEFAULT_PORT;
        Path dataDirectory = null;
        List<TopicSpec> topics = new ArrayList<>();
        Map<String, String> brokerProperties = new LinkedHashMap<>();
        Path readyFile = null;

        for (int i = 0; i < args.length; i++) {
            String argument = args[i];
            String option = argument;
            String inlineValue = null;
            int equals = argument.indexOf('=');
            if (argument.startsWith("--") && equals > 0) {
                option = argument.substring(0, equals);
                inlineValue = argument.substring(equals + 1);
            }
            if (option.equals("-h") || option.equals("--help")) {
                help = true;
                continue;
            }
            if (!option.startsWith("-")) {
                throw new IllegalArgumentException("Unexpected argument '" + argument + "': expected an option");
            }
            String value;
            if (inlineValue != null) {
                value = inlineValue;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("Option " + option + " needs a value");
            }
            switch (option) {
                case "--port" -> port = parsePort(value);
                case "--data-dir" -> dataDirectory = parsePath(option, value);
                case "--topic" -> topics.add(TopicSpec.parse(value));
                case "--broker-property" -> addProperty(brokerProperties, value);
                case "--ready-file" -> readyFile = parsePath(option, value);
                default -> throw new IllegalArgumentException("Unknown option '" + option + "'");
            }
        }
        return new MainArguments(help, port, dataDirectory, topics, brokerProperties, readyFile);
    }

    /**
     * Creates a broker builder from these arguments.
     *
     * @throws IllegalArgumentException when the builder rejects a value, for example a topic declared twice
     */
    KafkaLocalBroker.Builder toBuilder() {
        KafkaLocalBroker.Builder builder = KafkaLocalBroker.builder().port(port);
        if (dataDirectory != null) {
            builder.dataDirectory(dataDirectory);
        }
        for (TopicSpec topic : topics) {
            if (topic.compacted()) {
                builder.compactedTopic(topic.name(), topic.partitions());
            } else {
                builder.topic(topic.name(), topic.partitions());
            }
        }
        brokerProperties.forEach(builder::brokerProperty);
        return builder;
    }

    private static int parsePort(String value) {
        int port;
        try {
            port = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid --port '" + value + "': expected an integer from 0 to 65535");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("Invalid --port " + port + ": expected 0 to 65535");
        }
        return port;
    }

    private static Path parsePath(String option, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("Option " + option + " needs a non-empty path");
        }
        try {
            return Path.of(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("Invalid path for " + option + " '" + value + "': " + e.getReason());
        }
    }

    private static void addProperty(Map<String, String> target, String value) {
        int equals = value.indexOf('=');
        if (equals <= 0) {
            throw new IllegalArgumentException(
                    "Invalid --broker-property '" + value + "': expected KEY=VALUE, for example log.retention.ms=60000");
        }
        target.put(value.substring(0, equals).trim(), value.substring(equals + 1));
    }
}
