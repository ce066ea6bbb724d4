package dev.pairstream.kafkalocal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for tests that talk to a real broker. */
final class KafkaTestClients {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private KafkaTestClients() {
    }

    static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis() / 2),
                new StringSerializer(), new StringSerializer());
    }

    static KafkaProducer<String, String> transactionalProducer(String bootstrapServers, String transactionalId) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis()),
                new StringSerializer(), new StringSerializer());
    }

    static KafkaConsumer<String, String> consumer(String bootstrapServers, String groupId, IsolationLevel isolation) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString()),
                new StringDeserializer(), new StringDeserializer());
    }

    /** Sends the records synchronously and returns their metadata in send order. */
    static List<RecordMetadata> produce(String bootstrapServers, Collection<ProducerRecord<String, String>> records)
            throws ExecutionException, InterruptedException, TimeoutException {
        List<RecordMetadata> metadata = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer(bootstrapServers)) {
            for (ProducerRecord<String, String> record : records) {
                metadata.add(producer.send(record).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        return metadata;
    }

    /**
     * Reads every record of a topic from the beginning up to the end offsets seen at the start, which under
     * read_committed is the last stable offset.
     */
    static List<ConsumerRecord<String, String>> readAll(String bootstrapServers, String topic,
            IsolationLevel isolation) {
        try (KafkaConsumer<String, String> consumer =
                consumer(bootstrapServers, "read-all-" + UUID.randomUUID(), isolation)) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, TIMEOUT);
            Set<TopicPartition> assignment = partitions.stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .collect(Collectors.toSet());
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            Map<TopicPartition, Long> endOffsets = consumer.endOffsets(assignment, TIMEOUT);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!reachedEnd(consumer, endOffsets)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("Timed out reading topic " + topic + "; read " + records.size()
                            + " records, end offsets " + endOffsets);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private static boolean reachedEnd(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> endOffsets) {
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            if (consumer.position(end.getKey(), TIMEOUT) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Tells whether a port can be bound on 127.0.0.1 right now. */
    static boolean isPortFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    /** Returns the live non-daemon threads, for comparing before and after a broker's life. */
    static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && !thread.isDaemon())
                .collect(Collectors.toSet());
    }

    /** Waits until the non-daemon threads that were not in {@code before} have ended; returns the names left. */
    static List<String> awaitThreadsEnded(Set<Thread> before, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> left = nonDaemonThreads().stream()
                    .filter(thread -> !before.contains(thread))
                    .map(Thread::getName)
                    .sorted()
                    .toList();
            if (left.isEmpty() || System.nanoTime() - deadline > 0) {
                return left;
            }
            Thread.sleep(100);
        }
    }
}
