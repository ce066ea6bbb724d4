package dev.pairstream.fisher;

import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EventKeys;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.ConceptGrouping;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * The first step of the Fisher stream: reads each pair record, checks that its pictures are in the artifact store and
 * pass their digests, and routes it once per concept set, keyed by {@code baseModelId|conceptIds}. A valid pair of
 * another base model is skipped and counted: it is meant for another deployment's estimate, not broken. Anything else
 * becomes a dead letter with the reason and never reaches an aggregate.
 */
final class PairIntakeProcessor implements Processor<String, byte[], String, Routed> {

    private static final Logger LOG = Logger.getLogger(PairIntakeProcessor.class);

    private final FisherStreamSettings settings;
    private final PairPictures pictures;
    private final FisherMetrics metrics;
    private final Clock clock;
    private ProcessorContext<String, Routed> context;

    PairIntakeProcessor(FisherStreamSettings settings, PairPictures pictures, FisherMetrics metrics, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.pictures = Objects.requireNonNull(pictures, "pictures");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        metrics.pairIn();
        RecordMetadata source = context.recordMetadata().orElseThrow();
        ErasurePair pair = null;
        try {
            pair = read(record.value());
            if (!pair.baseModelId().equals(settings.baseModelId())) {
                metrics.skipped("other_base_model");
                LOG.debugf("Skipped pair %s of base model %s (this service estimates %s)", pair.pairId(),
                        pair.baseModelId(), settings.baseModelId());
                return;
            }
            pictures.load(pair);
        } catch (PairRejectedException e) {
            context.forward(record.withKey(record.key()).withValue(deadLetter(settings, clock, source.topic(),
                    source.partition(), source.offset(), record.key(), record.value(), pair, e)));
            metrics.deadLetter(e.reasonTag());
            LOG.warnf("Sent pair record %s to the dead-letter topic (%s): %s", DeadLetter.coordinates(source.topic(),
                    source.partition(), source.offset()), e.reasonTag(), e.getMessage());
            return;
        }
        for (ConceptGrouping.ConceptSet set : settings.grouping().setsOf(pair.conceptIds())) {
            String conceptKey = EventKeys.conceptSetKey(pair.baseModelId(), set.conceptIds());
            context.forward(record.withKey(conceptKey).withValue(new Routed.Accepted(new ConceptPair(conceptKey,
                    set.label(), set.conceptIds(), pair, source.partition(), source.offset()))));
        }
    }

    private static ErasurePair read(byte[] value) throws PairRejectedException {
        if (value == null) {
            throw new PairRejectedException("invalid_record", "the record has no value; expected an erasure pair",
                    null);
        }
        try {
            return Topics.PAIRS.valueSerde().deserializer().deserialize(Topics.PAIRS.name(), value);
        } catch (RuntimeException e) {
            throw new PairRejectedException("invalid_record", "the record is not a valid erasure pair: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Builds the dead letter of a pair record. Its record id depends only on the source coordinates, so a dead letter
     * written again after an aborted transaction has the same id.
     */
    static Routed.Rejected deadLetter(FisherStreamSettings settings, Clock clock, String topic, int partition,
            long offset, String key, byte[] value, ErasurePair pair, PairRejectedException error) {
        String coordinates = DeadLetter.coordinates(topic, partition, offset);
        DeadLetter captured = DeadLetter.fromFailedRecord(FisherTopics.SERVICE_NAME, settings.baseModelId(), topic,
                partition, offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value,
                error, clock.instant());
        Envelope envelope = new Envelope("fisher-dead-letter-" + coordinates, pair != null ? pair.recordId()
                : coordinates, pair != null ? pair.baseModelId() : settings.baseModelId(),
                pair != null ? pair.conceptIds() : List.of(), clock.instant());
        return new Routed.Rejected(new DeadLetter(envelope, topic, partition, offset, captured.key(),
                captured.payload(), error.reasonTag() + ": " + captured.reason(), PairRejectedException.class.getName(),
                FisherTopics.SERVICE_NAME));
    }
}
