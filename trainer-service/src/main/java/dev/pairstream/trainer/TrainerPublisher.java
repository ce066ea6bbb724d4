package dev.pairstream.trainer;

import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Publishes job states, candidates and dead letters with one transactional producer. A candidate and its job's
 * SUCCEEDED state go into one transaction, so a reader sees both or neither, and a restarted trainer that finds the
 * SUCCEEDED state can rely on the candidate being out. The transactional id is stable per instance, so a restarted instance
 * fences the unfinished transaction of the process it replaces. Thread-safe: one transaction at a time.
 */
final class TrainerPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainerPublisher.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, Object> settings;
    private KafkaProducer<String, byte[]> producer;

    TrainerPublisher(Map<String, Object> settings) {
        this.settings = Map.copyOf(settings);
    }

    /** Publishes a job state. */
    synchronized void publish(TrainingJobState state) {
        send(List.of(record(Topics.TRAINING_JOBS, state.jobId(), state)));
    }

    /** Publishes a candidate and the SUCCEEDED state of its job together. */
    synchronized void publish(AdapterCandidate candidate, String conceptSetKey, TrainingJobState succeeded) {
        send(List.of(record(Topics.ADAPTER_CANDIDATES, conceptSetKey, candidate),
                record(Topics.TRAINING_JOBS, succeeded.jobId(), succeeded)));
    }

    /** Publishes a dead letter. */
    synchronized void publish(DeadLetter letter, String key) {
        send(List.of(record(Topics.DEAD_LETTERS, key, letter)));
    }

    private static <V> ProducerRecord<String, byte[]> record(TopicDefinition<String, V> topic, String key, V value) {
        return new ProducerRecord<>(topic.name(), key, topic.valueSerde().serializer().serialize(topic.name(), value));
    }

    private void send(List<ProducerRecord<String, byte[]>> records) {
        KafkaProducer<String, byte[]> active = producer();
        try {
            active.beginTransaction();
            List<Future<RecordMetadata>> sent = records.stream().map(active::send).toList();
            active.commitTransaction();
            for (Future<RecordMetadata> future : sent) {
                future.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (KafkaException | ExecutionException | TimeoutException e) {
            // The producer's state is unknown after a failed transaction; a new one starts clean and fences this one.
            closeProducer();
            throw new PublishException("Failed to publish " + records.size() + " records to "
                    + records.stream().map(ProducerRecord::topic).distinct().toList() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeProducer();
            throw new PublishException("Interrupted while publishing to Kafka", e);
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            KafkaProducer<String, byte[]> created = new KafkaProducer<>(settings, new StringSerializer(),
                    new ByteArraySerializer());
            try {
                created.initTransactions();
            } catch (KafkaException e) {
                created.close(Duration.ZERO);
                throw new PublishException("Failed to start the transactional producer: " + e.getMessage(), e);
            }
            producer = created;
            LOG.infof("Transactional producer %s ready", settings.get("transactional.id"));
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        closeProducer();
    }

    /** Publishing failed; the records are not visible to read_committed readers. */
    static final class PublishException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
