package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.pairing.I2pPrompt;
import dev.pairstream.erasure.pairing.I2pPrompts;
import dev.pairstream.generator.PairsBenchmark;
import dev.pairstream.kafkalocal.KafkaLocalBroker;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Times text-only pairing of the vendored I2P prompts through a local broker and in process. */
@Command(name = "pairs",
        mixinStandardHelpOptions = true,
        description = "Send the I2P prompts through the pair generator's transactional Kafka loop on a local broker"
                + " (127.0.0.1, temporary data), text-only, and time them against the same generator in process."
                + " Each I2P category becomes the catalog category of the same name; a prompt with none of the"
                + " catalog's categories keeps its own and is dead-lettered as unknown_category, as the service"
                + " would do.")
final class BenchPairsCommand implements Callable<Integer> {

    private static final Instant FLAGGED_AT = Instant.parse("2026-12-01T00:00:00Z");
    @Option(names = "--csv", defaultValue = "datasets/i2p/i2p_prompts.csv",
            description = "I2P prompts CSV (default: ${DEFAULT-VALUE}).")
    Path csv;

    @Option(names = "--limit", defaultValue = "0",
            description = "Use only the first N prompts; 0 uses all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--encoder-threads", defaultValue = "1",
            description = "ONNX Runtime threads of the sentence encoder (default: ${DEFAULT-VALUE}).")
    int encoderThreads;

    @Option(names = "--encoder-workers", defaultValue = "2",
            description = "Sentence embeddings computed side by side, as pair.generator.encoder-workers"
                    + " (default: ${DEFAULT-VALUE}).")
    int encoderWorkers;

    @Option(names = "--timeout", defaultValue = "PT10M",
            description = "Maximum wait for the broker side, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limit < 0 || encoderThreads < 1 || encoderWorkers < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 0 or more and"
                    + " --encoder-threads and --encoder-workers at least 1, but were " + limit + ", " + encoderThreads
                    + " and " + encoderWorkers);
        }
        if (!Files.isRegularFile(csv)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "I2P prompts file " + csv.toAbsolutePath()
                    + " not found; run from the repository root or pass --csv");
        }
        List<FlaggedPrompt> prompts = flaggedPrompts(csv, limit,
                new TreeSet<>(ConceptCatalog.loadDefault().categories()));
        PairsBenchmark.Result result;
        try (KafkaLocalBroker broker = BenchBroker.start()) {
            result = PairsBenchmark.run(prompts, broker.bootstrapServers(), encoderThreads, encoderWorkers,
                    timeout);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("prompts", result.prompts());
            figures.put("encoderThreads", encoderThreads);
            figures.put("encoderWorkers", encoderWorkers);
            figures.put("brokerSeconds", result.brokerSeconds());
            figures.put("brokerPromptsPerSecond", result.brokerPromptsPerSecond());
            figures.put("inProcessSeconds", result.inProcessSeconds());
            figures.put("inProcessPromptsPerSecond", result.inProcessPromptsPerSecond());
            figures.put("inProcessRewriteSeconds", result.inProcessRewriteSeconds());
            figures.put("ratio", result.ratio());
            figures.put("broker", result.broker());
            figures.put("inProcess", result.inProcess());
            figures.put("inProcessDeadLettersByReason", result.inProcessReasons());
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(figures));
        } else {
            out.printf(Locale.ROOT, "%d I2P prompts, encoder threads %d, encoder workers %d%n", result.prompts(),
                    encoderThreads, encoderWorkers);
            out.printf(Locale.ROOT, "through the broker  %8.2f s  %8.1f prompts/s  (%d pairs, %d dead letters)%n",
                    result.brokerSeconds(), result.brokerPromptsPerSecond(), result.broker().pairs(),
                    result.broker().deadLetters());
            out.printf(Locale.ROOT, "in process          %8.2f s  %8.1f prompts/s  (%d pairs, %d dead letters)%n",
                    result.inProcessSeconds(), result.inProcessPromptsPerSecond(), result.inProcess().pairs(),
                    result.inProcess().deadLetters());
            out.printf(Locale.ROOT, "  of it rewriting   %8.2f s  (catalog terms, sentence embeddings, pair"
                    + " similarity)%n", result.inProcessRewriteSeconds());
            out.printf(Locale.ROOT, "broker / in process %8.2f%n", result.ratio());
            out.printf(Locale.ROOT, "dead letters by reason (in process): %s%n", result.inProcessReasons());
        }
        out.flush();
        return 0;
    }

    /** Reads the I2P prompts as flagged prompts for the emoji-world model, with ids {@code i2p-<id>}. */
    static List<FlaggedPrompt> flaggedPrompts(Path csv, int limit, Set<String> catalogCategories)
            throws java.io.IOException {
        return flaggedPrompts(csv, limit, catalogCategories, "emoji-world-base", "i2p-benchmark");
    }

    /** Reads the I2P prompts as flagged prompts for {@code baseModelId}, with ids {@code i2p-<id>}. */
    static List<FlaggedPrompt> flaggedPrompts(Path csv, int limit, Set<String> catalogCategories, String baseModelId,
            String source) throws java.io.IOException {
        List<FlaggedPrompt> prompts = new ArrayList<>();
        try (Stream<I2pPrompt> stream = I2pPrompts.stream(csv)) {
            for (I2pPrompt prompt : (Iterable<I2pPrompt>) stream::iterator) {
                if (limit > 0 && prompts.size() == limit) {
                    break;
                }
                String promptId = "i2p-" + prompt.id();
                prompts.add(new FlaggedPrompt(Envelope.root("record-" + promptId, baseModelId, FLAGGED_AT),
                        promptId, prompt.prompt(), categories(prompt.categories(), catalogCategories), null, source,
                        FLAGGED_AT));
            }
        }
        return prompts;
    }

    /**
     * Writes I2P's category names as catalog names ("illegal activity" becomes "illegal_activity") and keeps those
     * the catalog defines. When none is left, returns them all, so the generator rejects the prompt as it would in
     * production.
     */
    static List<String> categories(List<String> i2pCategories, Set<String> catalogCategories) {
        List<String> named = new ArrayList<>();
        for (String category : i2pCategories) {
            String name = category.trim().toLowerCase(Locale.ROOT).replace(' ', '_');
            if (!name.isEmpty() && !named.contains(name)) {
                named.add(name);
            }
        }
        List<String> known = named.stream().filter(catalogCategories::contains).toList();
        return known.isEmpty() ? named : known;
    }
}
