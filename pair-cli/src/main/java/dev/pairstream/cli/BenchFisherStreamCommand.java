package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.train.EmojiPairs;
import dev.pairstream.erasure.train.TrainingPair;
import dev.pairstream.fisher.FisherModel;
import dev.pairstream.fisher.FisherStreamBenchmark;
import dev.pairstream.fisher.FisherStreamSettings;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Times the fisher-service's Kafka Streams topology on emoji-world pairs against erasure-core in process. */
@Command(name = "fisher-stream",
        mixinStandardHelpOptions = true,
        description = "Render emoji-world pairs with the base model, send them through the fisher-service's exactly-once"
                + " Kafka Streams topology on a local broker (127.0.0.1, temporary data), and time it against"
                + " erasure-core's Fisher estimate of the same pairs in process.")
final class BenchFisherStreamCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "models/emoji-world-base",
            description = "Base model folder (default: ${DEFAULT-VALUE}).")
    Path modelDirectory;

    @Option(names = "--concepts", split = ",", defaultValue = "pistol,kitchen_knife,dagger,axe",
            description = "Measured concepts (default: ${DEFAULT-VALUE}).")
    List<String> concepts;

    @Option(names = "--warm-up-concept", defaultValue = "bomb",
            description = "Concept whose pairs warm the stream up, unmeasured (default: ${DEFAULT-VALUE}).")
    String warmUpConcept;

    @Option(names = "--pairs-per-concept", defaultValue = "64",
            description = "Pairs of each concept, and the snapshot threshold of the stream (default:"
                    + " ${DEFAULT-VALUE}, the fisher-service's pair.fisher.snapshot-every-pairs).")
    int pairsPerConcept;

    @Option(names = "--batch-pairs", defaultValue = "64",
            description = "The stream's pairs per Fisher computation, as pair.fisher.batch-pairs"
                    + " (default: ${DEFAULT-VALUE}).")
    int batchPairs;

    @Option(names = "--flush-interval", defaultValue = "PT2S",
            description = "The stream's flush interval, as pair.fisher.flush-interval, ISO-8601"
                    + " (default: ${DEFAULT-VALUE}).")
    Duration flushInterval;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op threads, unless -Dai.djl.pytorch.num_threads is set"
                    + " (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the pairs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--timeout", defaultValue = "PT10M",
            description = "Maximum wait for the stream, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (pairsPerConcept < 1 || batchPairs < 1 || concepts.contains(warmUpConcept)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pairs-per-concept and --batch-pairs must"
                    + " be at least 1, and --warm-up-concept must not be measured, but were " + pairsPerConcept
                    + ", " + batchPairs + " and " + warmUpConcept);
        }
        PyTorchThreads.configure(spec, threads);
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        FisherStreamSettings settings = new FisherStreamSettings(
                modelDirectory.toAbsolutePath().normalize().getFileName().toString(), batchPairs, flushInterval,
                pairsPerConcept, Duration.ofHours(1), 0L);
        FisherStreamBenchmark.Result result;
        Path work = Files.createTempDirectory("pair-bench-fisher-stream");
        try (FisherModel model = FisherModel.load(modelDirectory, Optional.empty(), settings.seed())) {
            SamplingOptions sampling = new SamplingOptions(25, 3.0f, 32);
            List<String> all = new ArrayList<>(concepts);
            all.add(warmUpConcept);
            List<TrainingPair> pairs = EmojiPairs.build(catalog, model.pipeline(), all, pairsPerConcept, 0, seed,
                    sampling).pairs();
            List<TrainingPair> warmUp = pairs.stream().filter(p -> p.conceptId().equals(warmUpConcept)).toList();
            List<TrainingPair> measured = pairs.stream().filter(p -> !p.conceptId().equals(warmUpConcept))
                    .toList();
            try (KafkaLocalBroker broker = BenchBroker.start()) {
                result = FisherStreamBenchmark.run(model, warmUp, measured, settings, broker.bootstrapServers(),
                        work, timeout);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("pairs", result.pairs());
            figures.put("concepts", result.concepts());
            figures.put("batchPairs", batchPairs);
            figures.put("flushInterval", flushInterval.toString());
            figures.put("streamSeconds", result.streamSeconds());
            figures.put("streamPairsPerSecond", result.streamPairsPerSecond());
            figures.put("inProcessSeconds", result.inProcessSeconds());
            figures.put("inProcessPairsPerSecond", result.inProcessPairsPerSecond());
            figures.put("ratio", result.ratio());
            figures.put("streamGradientSecondsWithWarmUp", result.gradientSeconds());
            out.println(new ObjectMapper().writeValueAsString(figures));
        } else {
            out.printf(Locale.ROOT, "%d pairs of %d concepts, %d pairs a batch, flush interval %s%n", result.pairs(),
                    result.concepts(), batchPairs, flushInterval);
            out.printf(Locale.ROOT, "through the broker  %8.2f s  %8.2f pairs/s%n", result.streamSeconds(),
                    result.streamPairsPerSecond());
            out.printf(Locale.ROOT, "in process          %8.2f s  %8.2f pairs/s%n", result.inProcessSeconds(),
                    result.inProcessPairsPerSecond());
            out.printf(Locale.ROOT, "broker / in process %8.2f%n", result.ratio());
            out.printf(Locale.ROOT, "stream time in the Fisher computation, warm-up included %8.2f s%n",
                    result.gradientSeconds());
            out.printf(Locale.ROOT, "work folder         %s%n", work);
        }
        out.flush();
        return 0;
    }
}
