package dev.pairstream.fisher;

import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.fisher.PairFisher;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The Kafka Streams topology of the fisher-service:
 *
 * <pre>
 * erasure.pairs ─▶ intake ─┬─ rejected ─▶ erasure.dead-letters
 *                          └─ one record per concept ─▶ repartition by baseModelId|conceptId
 *                               ─▶ aggregate (stores) ─┬─ snapshots ─▶ erasure.fisher
 *                                                      └─ rejected ──▶ erasure.dead-letters
 * </pre>
 *
 * <p>The repartition puts every pair of a concept in one task, whatever the concept set key it was published under, so
 * a concept's aggregate lives in one store of one instance. Run it with {@code processing.guarantee=exactly_once_v2}.
 */
public final class FisherTopology {

    /** Name of the internal topic that routes pairs by concept (prefixed with the application id). */
    public static final String REPARTITION_NAME = "pairs-by-concept";

    private FisherTopology() {
    }

    /**
     * Builds the topology.
     *
     * @param fisher  the estimator, shared by all tasks of this instance, one estimation at a time
     * @param store   the artifact store that contains the pictures and receives the snapshots' tensors
     * @param metrics the meters to record into
     */
    public static Topology build(FisherStreamSettings settings, PairFisher fisher, ArtifactStore store,
            int pictureSide, FisherMetrics metrics, Clock clock) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(fisher, "fisher");
        PairPictures pictures = new PairPictures(store, pictureSide);
        AtomicLong lastEstimateEnd = new AtomicLong(Long.MIN_VALUE);
        StreamsBuilder builder = new StreamsBuilder();
        for (StoreBuilder<?> storeBuilder : FisherAggregateProcessor.storeBuilders()) {
            builder.addStateStore(storeBuilder);
        }

        KStream<String, Routed> intake = builder
                .stream(Topics.PAIRS.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("pairs"))
                .process(() -> new PairIntakeProcessor(settings, pictures, metrics, clock), Named.as("intake"));
        Map<String, KStream<String, Routed>> checked = intake.split(Named.as("intake-"))
                .branch((key, value) -> value instanceof Routed.Rejected, Branched.as("rejected"))
                .defaultBranch(Branched.as("accepted"));
        toDeadLetters(checked.get("intake-rejected"), "intake-dead-letters");

        KStream<String, Routed> aggregated = checked.get("intake-accepted")
                .mapValues(value -> ((Routed.Accepted) value).pair(), Named.as("concept-pairs"))
                .repartition(Repartitioned.with(Serdes.String(), InternalJson.serde(ConceptPair.class))
                        .withName(REPARTITION_NAME))
                .process(() -> new FisherAggregateProcessor(settings, fisher, pictures, store, metrics, clock,
                        lastEstimateEnd),
                        Named.as("aggregate"), FisherAggregateProcessor.PENDING_STORE,
                        FisherAggregateProcessor.COUNTED_STORE, FisherAggregateProcessor.SUMS_STORE,
                        FisherAggregateProcessor.STATE_STORE);
        Map<String, KStream<String, Routed>> outputs = aggregated.split(Named.as("aggregate-"))
                .branch((key, value) -> value instanceof Routed.Rejected, Branched.as("rejected"))
                .defaultBranch(Branched.as("snapshots"));
        toDeadLetters(outputs.get("aggregate-rejected"), "aggregate-dead-letters");
        outputs.get("aggregate-snapshots")
                .mapValues(value -> ((Routed.Snapshot) value).snapshot(), Named.as("snapshot-records"))
                .to(Topics.FISHER.name(), Produced.<String, FisherSnapshot>with(Topics.FISHER.keySerde(),
                        Topics.FISHER.valueSerde()).withName("fisher-snapshots"));
        return builder.build();
    }

    /**
     * Returns the Kafka Streams settings that the service's application.properties sets, for running the topology
     * outside Quarkus (tests and {@code ./pair bench fisher-stream}): exactly once, one stream thread, and internal
     * topics with the broker's default replication.
     */
    public static Properties streamsProperties(String applicationId, String bootstrapServers, Path stateDirectory) {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDirectory.toString());
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        properties.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
        properties.put(StreamsConfig.consumerPrefix("max.poll.interval.ms"), 300_000);
        return properties;
    }

    private static void toDeadLetters(KStream<String, Routed> rejected, String name) {
        rejected.mapValues(value -> ((Routed.Rejected) value).deadLetter(), Named.as(name + "-records"))
                .to(Topics.DEAD_LETTERS.name(), Produced.<String, DeadLetter>with(Topics.DEAD_LETTERS.keySerde(),
                        Topics.DEAD_LETTERS.valueSerde()).withName(name));
    }
}
