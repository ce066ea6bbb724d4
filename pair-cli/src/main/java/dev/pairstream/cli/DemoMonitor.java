package dev.pairstream.cli;

import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.topic.TopicDefinition;
import dev.pairstream.contracts.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the pipeline's topics for {@code ./pair demo}, as an operator's console would: it reads every committed
 * record from the beginning, with assigned partitions and no consumer group, and keeps the counts and the newest
 * state of the watched concept set. It only reads; a record it cannot parse is counted and skipped. Not thread-safe:
 * one thread polls and reads the state.
 */
final class DemoMonitor implements AutoCloseable {

    private static final List<TopicDefinition<String, ?>> WATCHED = List.of(Topics.PAIRS, Topics.FISHER,
            Topics.TRAINING_JOBS, Topics.EVALUATIONS, Topics.ADAPTERS_PROMOTED, Topics.DEAD_LETTERS);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String conceptSetKey;
    private final Set<String> setConcepts;

    private final Set<String> pairIds = new HashSet<>();
    private final Set<String> answeredRecordIds = new HashSet<>();
    private final Map<String, Integer> deadLettersByService = new TreeMap<>();
    private final Map<String, Integer> deadLettersBySource = new HashMap<>();
    private int flaggedDeadLetters;
    private int duplicatePairs;
    private int renderedPairs;
    private int renderedPairsOfSet;
    private int textOnlyPairs;
    private int unreadable;
    private FisherSnapshot snapshot;
    private int snapshots;
    private TrainingJobState job;
    private EvaluationReport evaluation;
    private final List<AdapterPromotion> promotions = new ArrayList<>();

    /**
     * Connects to the broker and assigns every partition of the watched topics, from the beginning.
     *
     * @param conceptSetKey the concept set whose Fisher, job, evaluation and promotion to follow
     */
    DemoMonitor(String bootstrapServers, String conceptSetKey) {
        this.conceptSetKey = conceptSetKey;
        this.setConcepts = Set.of(conceptSetKey.substring(conceptSetKey.indexOf('|') + 1).split(","));
        Map<String, Object> settings = new HashMap<>();
        settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "pair-demo-monitor");
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDefinition<String, ?> topic : WATCHED) {
            for (PartitionInfo info : consumer.partitionsFor(topic.name(), Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic.name(), info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads what arrived within {@code timeout}. */
    void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            try {
                apply(record);
            } catch (RuntimeException e) {
                unreadable++;
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        if (topic.equals(Topics.PAIRS.name())) {
            ErasurePair pair = Topics.PAIRS.valueSerde().deserializer().deserialize(topic, record.value());
            if (!pairIds.add(pair.pairId())) {
                duplicatePairs++;
                return;
            }
            answeredRecordIds.add(pair.causationId());
            if (pair.hasPictures()) {
                renderedPairs++;
                if (pair.baseModelId().equals(conceptSetKey.substring(0, conceptSetKey.indexOf('|')))
                        && pair.conceptIds().stream().anyMatch(setConcepts::contains)) {
                    renderedPairsOfSet++;
                }
            } else {
                textOnlyPairs++;
            }
        } else if (topic.equals(Topics.FISHER.name())) {
            FisherSnapshot read = Topics.FISHER.valueSerde().deserializer().deserialize(topic, record.value());
            if (keyOf(read.baseModelId(), read.conceptIds()).equals(conceptSetKey)) {
                snapshot = read;
                snapshots++;
            }
        } else if (topic.equals(Topics.TRAINING_JOBS.name())) {
            TrainingJobState state = Topics.TRAINING_JOBS.valueSerde().deserializer().deserialize(topic,
                    record.value());
            if (keyOf(state.baseModelId(), state.conceptIds()).equals(conceptSetKey)) {
                job = state;
            }
        } else if (topic.equals(Topics.EVALUATIONS.name())) {
            EvaluationReport report = Topics.EVALUATIONS.valueSerde().deserializer().deserialize(topic,
                    record.value());
            if (keyOf(report.baseModelId(), report.conceptIds()).equals(conceptSetKey)) {
                evaluation = report;
            }
        } else if (topic.equals(Topics.ADAPTERS_PROMOTED.name())) {
            AdapterPromotion promotion = Topics.ADAPTERS_PROMOTED.valueSerde().deserializer().deserialize(topic,
                    record.value());
            if (promotion != null && promotion.key().equals(conceptSetKey)) {
                promotions.add(promotion);
            }
        } else if (topic.equals(Topics.DEAD_LETTERS.name())) {
            DeadLetter letter = Topics.DEAD_LETTERS.valueSerde().deserializer().deserialize(topic, record.value());
            deadLettersByService.merge(letter.serviceName(), 1, Integer::sum);
            if (letter.sourceTopic().equals(Topics.FLAGGED_PROMPTS.name())) {
                // A record the generator could not read has no record id, so its dead letter names its coordinates.
                String coordinates = DeadLetter.coordinates(letter.sourceTopic(), letter.sourcePartition(),
                        letter.sourceOffset());
                flaggedDeadLetters++;
                deadLettersBySource.merge(coordinates, 1, Integer::sum);
                answeredRecordIds.add(letter.causationId());
                answeredRecordIds.add(coordinates);
            }
        }
    }

    private static String keyOf(String baseModelId, List<String> conceptIds) {
        return EventKeys.conceptSetKey(baseModelId, conceptIds);
    }

    /** Returns the flagged prompts answered so far: pairs with a new pair id plus dead letters of flagged prompts. */
    int answered() {
        return pairIds.size() + flaggedDeadLetters;
    }

    /**
     * Returns whether a flagged prompt has a pair or a dead letter, looked up by its record id and by the coordinates
     * it was written at.
     */
    boolean isAnswered(String recordId, String coordinates) {
        return answeredRecordIds.contains(recordId) || answeredRecordIds.contains(coordinates);
    }

    /** Returns the dead letters of flagged prompts. */
    int flaggedDeadLetters() {
        return flaggedDeadLetters;
    }

    int renderedPairs() {
        return renderedPairs;
    }

    int renderedPairsOfSet() {
        return renderedPairsOfSet;
    }

    int textOnlyPairs() {
        return textOnlyPairs;
    }

    /** Returns pair records whose pair id was already read: a duplicate downstream. */
    int duplicatePairs() {
        return duplicatePairs;
    }

    /** Returns flagged-prompt records with more than one dead letter. */
    long repeatedDeadLetters() {
        return deadLettersBySource.values().stream().filter(count -> count > 1).count();
    }

    Map<String, Integer> deadLettersByService() {
        return deadLettersByService;
    }

    int unreadable() {
        return unreadable;
    }

    FisherSnapshot snapshot() {
        return snapshot;
    }

    int snapshots() {
        return snapshots;
    }

    TrainingJobState job() {
        return job;
    }

    EvaluationReport evaluation() {
        return evaluation;
    }

    List<AdapterPromotion> promotions() {
        return promotions;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
