package dev.pairstream.fisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pairstream.contracts.artifact.FileSystemArtifactStore;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.OffsetRange;
import dev.pairstream.contracts.topic.Topics;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.ConceptGrouping;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.fisher.FisherBundle;
import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.fisher.PairHalf;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Fisher topology on Kafka Streams' test driver, with the shipped base model and real PNGs. */
class FisherTopologyTest {

    private static final FisherStreamSettings SETTINGS = new FisherStreamSettings(TestPairs.BASE_MODEL, 4,
            Duration.ofSeconds(2), 6, Duration.ofMinutes(1), 7L);

    private static FisherModel model;

    @TempDir
    Path folder;

    private FileSystemArtifactStore store;

    @BeforeAll
    static void loadModel() throws IOException {
        model = FisherModel.load(Path.of("..", "models", "emoji-world-base"), Optional.empty(), SETTINGS.seed());
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @BeforeEach
    void createStore() {
        store = new FileSystemArtifactStore(folder.resolve("artifacts"));
    }

    @Test
    void snapshotOfSixPairsEqualsDirectEstimate() throws IOException {
        List<ErasurePair> pairs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pairs.add(TestPairs.pistolPair(store, i));
        }
        try (Driver driver = new Driver()) {
            // When six pairs arrive: four are estimated at once, two wait until the flush interval passes
            for (ErasurePair pair : pairs) {
                driver.pairs.pipeInput("key-" + pair.pairId(), TestPairs.json(pair));
            }
            assertThat(driver.snapshots.isEmpty()).isTrue();
            driver.driver.advanceWallClockTime(Duration.ofSeconds(3));

            // Then one snapshot covers all six, and its tensors equal erasure-core's direct estimate
            List<FisherSnapshot> snapshots = driver.snapshots.readValuesToList();
            assertEquals(1, snapshots.size());
            FisherSnapshot snapshot = snapshots.get(0);
            assertEquals(6, snapshot.pairCount());
            assertEquals(6, snapshot.unsafeSampleCount());
            assertEquals(6, snapshot.safeSampleCount());
            assertEquals(List.of("pistol"), snapshot.conceptIds());
            assertEquals(List.of(new OffsetRange(0, 0, 5)), snapshot.coveredRanges());
            assertEquals("fisher-emoji-world-base-pistol-1", snapshot.snapshotId());
            assertEquals("record-pair-5", snapshot.causationId());
            Map<PairHalf, FisherEstimate> published = bundle(snapshot);
            Map<PairHalf, FisherEstimate> direct = TestPairs.directEstimate(model.fisher(), "pistol", pairs, 6);
            for (PairHalf half : PairHalf.values()) {
                assertEquals(6, published.get(half).sampleCount());
                assertThat(TestPairs.relativeDifference(direct.get(half), published.get(half))).isLessThan(1e-5);
            }
            assertThat(driver.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void corruptPictureLeavesAggregateUnchanged() throws IOException {
        // Given five good pairs and one whose safe picture was overwritten in the store
        List<ErasurePair> good = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            good.add(TestPairs.pistolPair(store, i));
        }
        ErasurePair corrupt = TestPairs.pistolPair(store, 9);
        Path file = store.pathOf(corrupt.safePicture());
        file.toFile().setWritable(true);
        Files.write(file, "not the stored picture".getBytes(StandardCharsets.UTF_8));
        try (Driver driver = new Driver()) {
            // When the corrupt pair arrives between the good ones
            for (int i = 0; i < 5; i++) {
                driver.pairs.pipeInput("k", TestPairs.json(good.get(i)));
                if (i == 2) {
                    driver.pairs.pipeInput("k", TestPairs.json(corrupt));
                }
            }
            driver.driver.advanceWallClockTime(Duration.ofMinutes(2));

            // Then it is a dead letter with the reason, and the snapshot equals the estimate of the five good pairs
            List<DeadLetter> letters = driver.deadLetters.readValuesToList();
            assertEquals(1, letters.size());
            assertThat(letters.get(0).reason()).startsWith("picture_corrupt: safePicture ");
            assertEquals(3, letters.get(0).sourceOffset());
            assertEquals("record-pair-9", letters.get(0).causationId());
            FisherSnapshot snapshot = driver.snapshots.readValue();
            assertEquals(5, snapshot.pairCount());
            Map<PairHalf, FisherEstimate> direct = TestPairs.directEstimate(model.fisher(), "pistol", good, 5);
            Map<PairHalf, FisherEstimate> published = bundle(snapshot);
            for (PairHalf half : PairHalf.values()) {
                assertThat(TestPairs.relativeDifference(direct.get(half), published.get(half))).isLessThan(1e-5);
            }
        }
    }

    @Test
    void unusableRecordsDeadLetteredOtherModelsSkipped() throws IOException {
        ErasurePair good = TestPairs.pistolPair(store, 1);
        ErasurePair otherModel = new ErasurePair(new Envelope("record-x", "flagged-x", "other-model",
                List.of("pistol"), TestPairs.CREATED), "pair-x", "a pistol", "a flashlight", "1.0.0", 1L,
                good.unsafePicture(), good.safePicture(), 7, 0.5, "catalog-anchor-minimal-edit");
        ErasurePair textOnly = new ErasurePair(new Envelope("record-t", "flagged-t", TestPairs.BASE_MODEL,
                List.of("pistol"), TestPairs.CREATED), "pair-t", "a pistol", "a flashlight", "1.0.0", 1L, null, null,
                7, 0.5, "catalog-anchor-minimal-edit");
        Files.delete(store.pathOf(good.unsafePicture()));
        try (Driver driver = new Driver()) {
            driver.pairs.pipeInput("a", "{not json".getBytes(StandardCharsets.UTF_8));
            driver.pairs.pipeInput("b", TestPairs.json(otherModel));
            driver.pairs.pipeInput("c", TestPairs.json(textOnly));
            driver.pairs.pipeInput("d", TestPairs.json(good));
            driver.driver.advanceWallClockTime(Duration.ofMinutes(2));

            List<String> reasons = driver.deadLetters.readValuesToList().stream()
                    .map(letter -> letter.reason().substring(0, letter.reason().indexOf(':'))).toList();
            assertEquals(List.of("invalid_record", "no_pictures", "picture_missing"), reasons);
            assertThat(driver.snapshots.isEmpty()).isTrue();
            assertEquals(1.0, driver.registry.get("fisher.pairs.skipped").tag("reason", "other_base_model").counter()
                    .count());
            assertEquals(1.0, driver.registry.get("fisher.dead.letters").tag("reason", "no_pictures").counter()
                    .count());
            assertEquals(0.0, driver.registry.get("fisher.dead.letters").tag("reason", "picture_corrupt").counter()
                    .count());
        }
    }

    @Test
    void flushWaitsForOldestPair() throws IOException {
        try (Driver driver = new Driver()) {
            // Given two pairs that arrive 1.9 s after the start, and a third 0.2 s later
            driver.driver.advanceWallClockTime(Duration.ofMillis(1900));
            driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, 1)));
            driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, 2)));
            driver.driver.advanceWallClockTime(Duration.ofMillis(200));
            driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, 3)));

            // Then nothing is estimated before the first pair has waited the 2 s flush interval
            driver.driver.advanceWallClockTime(Duration.ofMillis(1600));
            assertEquals(0, driver.registry.get("fisher.gradients").timer().count());

            // And then the three pairs are estimated in one computation
            driver.driver.advanceWallClockTime(Duration.ofMillis(500));
            assertEquals(1, driver.registry.get("fisher.gradients").timer().count());
            driver.driver.advanceWallClockTime(Duration.ofMinutes(1));
            List<FisherSnapshot> snapshots = driver.snapshots.readValuesToList();
            assertEquals(1, snapshots.size());
            assertEquals(3, snapshots.get(0).pairCount());
        }
    }

    @Test
    void flushWaitIsPerConcept() throws IOException {
        ErasurePair axe = TestPairs.pair(store, 1, List.of("axe"), "an axe", "a hammer");
        try (Driver driver = new Driver()) {
            // Given a pistol pair, and an axe pair that arrives 1.5 s later
            driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, 2)));
            driver.driver.advanceWallClockTime(Duration.ofMillis(1500));
            driver.pairs.pipeInput("k", TestPairs.json(axe));

            // When the pistol pair has waited the flush interval, only the pistol is estimated
            driver.driver.advanceWallClockTime(Duration.ofMillis(1000));
            assertEquals(1, driver.registry.get("fisher.gradients").timer().count());

            // Then the axe follows once its own pair has waited the interval after the pistol's estimate
            driver.driver.advanceWallClockTime(Duration.ofMillis(3000));
            assertEquals(2, driver.registry.get("fisher.gradients").timer().count());
        }
    }

    @Test
    void flushWaitRestartsAfterEstimate() throws IOException {
        ErasurePair axe = TestPairs.pair(store, 1, List.of("axe"), "an axe", "a hammer");
        try (Driver driver = new Driver()) {
            // Given an axe pair, and 1.5 s later four pistol pairs that fill a batch and are estimated at once
            driver.pairs.pipeInput("k", TestPairs.json(axe));
            driver.driver.advanceWallClockTime(Duration.ofMillis(1500));
            for (int i = 0; i < 4; i++) {
                driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, 10 + i)));
            }
            assertEquals(1, driver.registry.get("fisher.gradients").timer().count());

            // When the axe pair is 2.5 s old but the pistol estimate ended only 1 s ago, the axe still waits
            driver.driver.advanceWallClockTime(Duration.ofMillis(1000));
            assertEquals(1, driver.registry.get("fisher.gradients").timer().count());

            // Then the axe is estimated once the flush interval has passed since the pistol estimate ended (the
            // estimate's real duration is added to the driver's clock, so the test leaves it 2.5 s)
            driver.driver.advanceWallClockTime(Duration.ofMillis(2500));
            assertEquals(2, driver.registry.get("fisher.gradients").timer().count());
        }
    }

    @Test
    void batchCountsPairsPerConcept() throws IOException {
        try (Driver driver = new Driver()) {
            // Given three pistol pairs and three axe pairs, interleaved, with four pairs a batch
            for (int i = 0; i < 3; i++) {
                driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, i)));
                driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pair(store, 10 + i, List.of("axe"),
                        "an axe " + i, "a hammer " + i)));
            }
            // Then six pending pairs start nothing, because neither concept has four
            assertEquals(0, driver.registry.get("fisher.gradients").timer().count());

            // And the fourth pistol pair starts one computation, of the four pistol pairs only
            driver.pairs.pipeInput("k", TestPairs.json(TestPairs.pistolPair(store, 3)));
            assertEquals(1, driver.registry.get("fisher.gradients").timer().count());
            assertEquals(4.0, driver.registry.get("fisher.pairs.processed").tag("concept", "pistol").counter().count());
            driver.driver.advanceWallClockTime(Duration.ofSeconds(3));
            assertEquals(3.0, driver.registry.get("fisher.pairs.processed").tag("concept", "axe").counter().count());
        }
    }

    @Test
    void pairsCountOncePerConcept() throws IOException {
        ErasurePair pistol = TestPairs.pistolPair(store, 1);
        ErasurePair both = TestPairs.pair(store, 2, List.of("axe", "pistol"), "a pistol and an axe",
                "a flashlight and a hammer");
        try (Driver driver = new Driver()) {
            driver.pairs.pipeInput("k", TestPairs.json(pistol));
            driver.pairs.pipeInput("k", TestPairs.json(both));
            driver.pairs.pipeInput("k", TestPairs.json(pistol));
            // The flush interval counts the three pending pairs; a snapshot interval later both concepts publish
            driver.driver.advanceWallClockTime(Duration.ofSeconds(3));
            assertThat(driver.snapshots.isEmpty()).isTrue();
            driver.driver.advanceWallClockTime(Duration.ofMinutes(1));

            Map<String, FisherSnapshot> byConcept = new TreeMap<>();
            driver.snapshots.readValuesToList().forEach(s -> byConcept.put(s.conceptIds().get(0), s));
            assertEquals(List.of("axe", "pistol"), List.copyOf(byConcept.keySet()));
            assertEquals(1, byConcept.get("axe").pairCount());
            assertEquals(2, byConcept.get("pistol").pairCount());
            Map<PairHalf, FisherEstimate> direct = TestPairs.directEstimate(model.fisher(), "pistol",
                    List.of(pistol, both), 2);
            assertThat(TestPairs.relativeDifference(direct.get(PairHalf.UNSAFE),
                    bundle(byConcept.get("pistol")).get(PairHalf.UNSAFE))).isLessThan(1e-5);
        }
    }

    @Test
    void categoryGroupingCountsEachPairOnce() throws IOException {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        FisherStreamSettings byCategory = new FisherStreamSettings(TestPairs.BASE_MODEL, 4, Duration.ofSeconds(2), 6,
                Duration.ofMinutes(1), 7L, new ConceptGrouping(ConceptGrouping.Mode.CATEGORY, catalog));
        ErasurePair pistol = TestPairs.pistolPair(store, 1);
        ErasurePair both = TestPairs.pair(store, 2, List.of("axe", "pistol"), "a pistol and an axe",
                "a flashlight and a hammer");
        try (Driver driver = new Driver(byCategory)) {
            driver.pairs.pipeInput("k", TestPairs.json(pistol));
            driver.pairs.pipeInput("k", TestPairs.json(both));
            driver.driver.advanceWallClockTime(Duration.ofSeconds(3));
            driver.driver.advanceWallClockTime(Duration.ofMinutes(1));

            // One snapshot for the violence set counts each pair once, even the pair of two violence concepts
            List<FisherSnapshot> snapshots = driver.snapshots.readValuesToList();
            assertEquals(1, snapshots.size());
            FisherSnapshot snapshot = snapshots.get(0);
            List<String> violence = catalog.concepts(Role.UNSAFE).stream()
                    .filter(concept -> "violence".equals(concept.category())).map(Concept::id).sorted().toList();
            assertEquals(violence, snapshot.conceptIds());
            assertEquals(6, violence.size());
            assertEquals("fisher-" + TestPairs.BASE_MODEL + "-violence-1", snapshot.snapshotId());
            assertEquals(2, snapshot.pairCount());
            Map<PairHalf, FisherEstimate> direct = TestPairs.directEstimate(model.fisher(), "violence",
                    List.of(pistol, both), 2);
            Map<PairHalf, FisherEstimate> published = bundle(snapshot);
            for (PairHalf half : PairHalf.values()) {
                assertThat(TestPairs.relativeDifference(direct.get(half), published.get(half))).isLessThan(1e-5);
            }
        }
    }

    private Map<PairHalf, FisherEstimate> bundle(FisherSnapshot snapshot) throws IOException {
        return FisherBundle.read(new ByteArrayInputStream(store.read(snapshot.tensors())));
    }

    /** A test driver over the topology with its input and output topics. */
    private final class Driver implements AutoCloseable {

        final TopologyTestDriver driver;
        final TestInputTopic<String, byte[]> pairs;
        final TestOutputTopic<String, FisherSnapshot> snapshots;
        final TestOutputTopic<String, DeadLetter> deadLetters;
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();

        Driver() {
            this(SETTINGS);
        }

        Driver(FisherStreamSettings settings) {
            Properties properties = new Properties();
            properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "fisher-test");
            properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
            properties.put(StreamsConfig.STATE_DIR_CONFIG, folder.resolve("state").toString());
            properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            driver = new TopologyTestDriver(FisherTopology.build(settings, model.fisher(), store,
                    model.pictureSide(), new FisherMetrics(registry), Clock.systemUTC()),
                    properties);
            pairs = driver.createInputTopic(Topics.PAIRS.name(), Serdes.String().serializer(),
                    Serdes.ByteArray().serializer());
            snapshots = driver.createOutputTopic(Topics.FISHER.name(), Serdes.String().deserializer(),
                    Topics.FISHER.valueSerde().deserializer());
            deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Serdes.String().deserializer(),
                    Topics.DEAD_LETTERS.valueSerde().deserializer());
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
