package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ConceptMatcher} and {@link SafeCounterpartWriter} over every prompt of an I2P CSV file and reports
 * how many prompts they match and rewrite, per I2P category, which catalog phrases matched, and a fixed-seed
 * sample of rewrites, as Markdown.
 *
 * <p>Usage: {@code I2pPairingReport CSV [--similarity] [--samples N] [--seed S]}. Without {@code --similarity} the
 * matcher uses catalog terms only; with it, the all-MiniLM-L6-v2 fallback runs on every prompt without a term and
 * the writer reports the embedding similarity of each rewrite.
 */
public final class I2pPairingReport {

    /** Number of sampled rewrites the report shows by default. */
    public static final int DEFAULT_SAMPLES = 20;

    /** Default seed of the rewrite sample. */
    public static final long DEFAULT_SEED = 17L;

    private static final Logger LOG = LoggerFactory.getLogger(I2pPairingReport.class);

    /** Number of unmatched prompts closest to a concept that a result keeps. */
    private static final int NEAR_MISSES = 5;

    /**
     * Counts for one I2P category; a prompt with several categories counts in each.
     *
     * @param category       the I2P category
     * @param prompts        prompts with this category, rejected ones included
     * @param termMatches    of those, prompts where a catalog term occurs
     * @param semanticMatches of those, prompts matched by similarity alone
     * @param rewritten      of those, prompts with a safe rewrite
     */
    public record CategoryCount(String category, int prompts, int termMatches, int semanticMatches, int rewritten) {
    }

    /**
     * The result of one run.
     *
     * @param source         the CSV the prompts came from
     * @param catalogVersion version of the concept catalog
     * @param similarity     whether the similarity fallback was on
     * @param prompts        prompts read
     * @param rejected       prompts the matcher rejected as blank or too long
     * @param outcomes       matched prompts per outcome
     * @param statuses       prompts per rewrite status
     * @param categories     counts per I2P category, sorted by category name
     * @param phrases        matched spans per concept and catalog phrase, such as {@code skull: skull}
     * @param closest        for each prompt that reached the similarity fallback, its highest similarity to a
     *                       concept, in file order
     * @param nearMisses     the unmatched prompts closest to a concept, the closest first
     * @param samples        sampled rewrites in file order
     * @param elapsedNanos   time spent matching and rewriting, reading the file excluded
     */
    public record Result(String source, String catalogVersion, boolean similarity, int prompts, int rejected,
            Map<MatchOutcome, Integer> outcomes, Map<RewriteStatus, Integer> statuses,
            Map<String, CategoryCount> categories, Map<String, Integer> phrases, List<Double> closest,
            List<NearMiss> nearMisses, List<Sample> samples, long elapsedNanos) {

        /** Copies the collections; the categories keep their name order. */
        public Result {
            outcomes = Map.copyOf(outcomes);
            statuses = Map.copyOf(statuses);
            categories = Collections.unmodifiableMap(new TreeMap<>(categories));
            phrases = Map.copyOf(phrases);
            closest = List.copyOf(closest);
            nearMisses = List.copyOf(nearMisses);
            samples = List.copyOf(samples);
        }

        /** Returns the number of prompts with the given outcome. */
        public int count(MatchOutcome outcome) {
            return outcomes.getOrDefault(outcome, 0);
        }

        /** Returns the number of prompts with the given rewrite status. */
        public int count(RewriteStatus status) {
            return statuses.getOrDefault(status, 0);
        }
    }

    /**
     * An unmatched prompt and the concept it came closest to.
     *
     * @param prompt  the I2P record
     * @param closest the closest concept and its similarity, below the threshold
     */
    public record NearMiss(I2pPrompt prompt, SemanticMatch closest) {
    }

    /**
     * One sampled rewrite.
     *
     * @param prompt  the I2P record
     * @param rewrite the writer's result for it, always REWRITTEN
     */
    public record Sample(I2pPrompt prompt, SafeRewrite rewrite) {
    }

    private I2pPairingReport() {
    }

    /**
     * Matches and rewrites every prompt and draws {@code sampleCount} rewrites uniformly at random with the seed,
     * by reservoir sampling, so the same input, seed and writer give the same sample.
     *
     * @param source names the prompts' origin in the result, such as the CSV path
     * @throws IllegalArgumentException when {@code sampleCount} is negative
     */
    public static Result run(Stream<I2pPrompt> prompts, String source, SafeCounterpartWriter writer, int sampleCount,
            long seed) {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(writer, "writer");
        if (sampleCount < 0) {
            throw new IllegalArgumentException("sample count " + sampleCount + " is invalid; expected 0 or more");
        }
        Tally tally = new Tally(sampleCount, seed);
        prompts.sequential().forEachOrdered(prompt -> tally.add(prompt, writer));

        List<Sample> samples = new ArrayList<>(tally.reservoir);
        samples.sort(Comparator.comparingInt(sample -> sample.prompt().line()));
        List<NearMiss> nearMisses = new ArrayList<>(tally.nearMisses);
        nearMisses.sort(Comparator.comparingDouble((NearMiss miss) -> miss.closest().similarity()).reversed());
        Map<String, CategoryCount> categories = new HashMap<>();
        tally.categories.forEach((name, counts) -> categories.put(name,
                new CategoryCount(name, counts[0], counts[1], counts[2], counts[3])));
        ConceptMatcher matcher = writer.matcher();
        return new Result(source, matcher.catalog().version(), matcher.hasSimilarityFallback(), tally.prompts,
                tally.rejected, tally.outcomes, tally.statuses, categories, tally.phrases, tally.closest, nearMisses,
                samples, tally.elapsedNanos);
    }

    /** Formats a result as a Markdown section; {@code command} is the command line that produced it. */
    public static String toMarkdown(Result result, String command) {
        return I2pReportMarkdown.format(result, command);
    }

    /**
     * Runs the report over an I2P CSV file and prints it as Markdown; see the class comment for the options. Exits
     * with status 2 on invalid options.
     */
    public static void main(String[] args) throws IOException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        String command = "I2pPairingReport " + String.join(" ", args);
        LOG.info("Reading I2P prompts from {} (similarity fallback {})", options.csv, options.similarity);

        Result result;
        if (options.similarity) {
            try (MiniLmTextEncoder encoder = MiniLmTextEncoder.create();
                    Stream<I2pPrompt> prompts = I2pPrompts.stream(options.csv)) {
                SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(catalog, encoder), encoder);
                result = run(prompts, options.csv.toString(), writer, options.samples, options.seed);
            }
        } else {
            try (Stream<I2pPrompt> prompts = I2pPrompts.stream(options.csv)) {
                SafeCounterpartWriter writer = new SafeCounterpartWriter(new ConceptMatcher(catalog));
                result = run(prompts, options.csv.toString(), writer, options.samples, options.seed);
            }
        }
        System.out.print(toMarkdown(result, command));
        LOG.info("Reported {} prompts from {}", result.prompts(), options.csv);
    }

    /** Running counts of one run. Not thread-safe, so {@link #run} feeds it from a sequential stream. */
    private static final class Tally {

        private final int sampleCount;
        private final SplittableRandom random;
        private final List<Sample> reservoir = new ArrayList<>();
        private final Map<MatchOutcome, Integer> outcomes = new EnumMap<>(MatchOutcome.class);
        private final Map<RewriteStatus, Integer> statuses = new EnumMap<>(RewriteStatus.class);
        /** Per category: prompts, term matches, semantic matches, rewrites. */
        private final Map<String, int[]> categories = new LinkedHashMap<>();
        private final Map<String, Integer> phrases = new TreeMap<>();
        private final List<Double> closest = new ArrayList<>();
        private final PriorityQueue<NearMiss> nearMisses = new PriorityQueue<>(
                Comparator.comparingDouble((NearMiss miss) -> miss.closest().similarity()));
        private int prompts;
        private int rejected;
        private int rewritten;
        private long elapsedNanos;

        Tally(int sampleCount, long seed) {
            this.sampleCount = sampleCount;
            this.random = new SplittableRandom(seed);
        }

        void add(I2pPrompt prompt, SafeCounterpartWriter writer) {
            prompts++;
            for (String category : prompt.categories()) {
                categories.computeIfAbsent(category, k -> new int[4])[0]++;
            }
            long start = System.nanoTime();
            SafeRewrite rewrite;
            try {
                rewrite = writer.write(prompt.prompt());
            } catch (IllegalArgumentException e) {
                rejected++;
                LOG.warn("Skipped I2P prompt {} on line {}: {}", prompt.id(), prompt.line(), e.getMessage());
                return;
            } finally {
                elapsedNanos += System.nanoTime() - start;
            }

            outcomes.merge(rewrite.match().outcome(), 1, Integer::sum);
            statuses.merge(rewrite.status(), 1, Integer::sum);
            if (rewrite.status() == RewriteStatus.UNSAFE_TERMS_REMAIN) {
                LOG.warn("I2P prompt {} on line {} has no safe rewrite: {}", prompt.id(), prompt.line(),
                        rewrite.reason());
            }

            for (String category : prompt.categories()) {
                int[] counts = categories.get(category);
                counts[1] += rewrite.match().outcome() == MatchOutcome.TERMS ? 1 : 0;
                counts[2] += rewrite.match().outcome() == MatchOutcome.SEMANTIC ? 1 : 0;
                counts[3] += rewrite.isRewritten() ? 1 : 0;
            }
            trackSimilarity(prompt, rewrite.match());
            for (ConceptSpan span : rewrite.match().spans()) {
                phrases.merge(span.conceptId() + ": " + span.phrase(), 1, Integer::sum);
            }
            if (rewrite.isRewritten()) {
                sample(new Sample(prompt, rewrite));
            }
        }

        private void trackSimilarity(I2pPrompt prompt, ConceptMatch match) {
            if (match.outcome() == MatchOutcome.SEMANTIC) {
                closest.add(match.semanticMatches().get(0).similarity());
            } else if (match.closest() != null) {
                closest.add(match.closest().similarity());
                nearMisses.add(new NearMiss(prompt, match.closest()));
                if (nearMisses.size() > NEAR_MISSES) {
                    nearMisses.poll();
                }
            }
        }

        /** Keeps each of the rewrites seen so far with equal probability (Algorithm R). */
        private void sample(Sample sample) {
            rewritten++;
            if (reservoir.size() < sampleCount) {
                reservoir.add(sample);
                return;
            }
            int slot = random.nextInt(rewritten);
            if (slot < sampleCount) {
                reservoir.set(slot, sample);
            }
        }
    }

    /** The command-line options of {@link #main}. */
    private record Options(Path csv, boolean similarity, int samples, long seed) {

        static Options parse(String[] args) {
            Path csv = null;
            boolean similarity = false;
            int samples = DEFAULT_SAMPLES;
            long seed = DEFAULT_SEED;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--similarity" -> similarity = true;
                    case "--samples" -> samples = parseSampleCount(args, ++i);
                    case "--seed" -> seed = parseLong(args, ++i, "--seed");
                    default -> {
                        if (args[i].startsWith("--") || csv != null) {
                            throw usage("unexpected argument \"" + args[i] + "\"");
                        }
                        csv = Path.of(args[i]);
                    }
                }
            }
            if (csv == null) {
                throw usage("the CSV file is missing");
            }
            if (!Files.isRegularFile(csv)) {
                throw usage("the CSV file " + csv.toAbsolutePath() + " does not exist or is not a file");
            }
            return new Options(csv, similarity, samples, seed);
        }

        private static int parseSampleCount(String[] args, int index) {
            long value = parseLong(args, index, "--samples");
            if (value < 0 || value > Integer.MAX_VALUE) {
                throw usage("--samples " + value + " is out of range; expected 0 to " + Integer.MAX_VALUE);
            }
            return (int) value;
        }

        private static long parseLong(String[] args, int index, String option) {
            if (index >= args.length) {
                throw usage(option + " needs a value");
            }
            try {
                return Long.parseLong(args[index]);
            } catch (NumberFormatException e) {
                throw usage(option + " \"" + args[index] + "\" is not a whole number");
            }
        }

        private static IllegalArgumentException usage(String problem) {
            return new IllegalArgumentException(problem + "; usage: I2pPairingReport CSV [--similarity]"
                    + " [--samples N] [--seed S]");
        }
    }
}
