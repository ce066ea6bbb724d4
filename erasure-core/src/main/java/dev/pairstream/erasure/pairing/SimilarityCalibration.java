package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.text.MiniLmTextEncoder;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures where the similarity threshold of {@link ConceptMatcher} can sit, over every caption the catalog can
 * write ({@link CatalogCaptions}).
 *
 * <p>An unsafe caption scores its similarity to its own concept. An ANCHOR or NEUTRAL caption scores its highest
 * similarity to any unsafe concept, because that is what the matcher compares with the threshold. When the lowest
 * unsafe score is above the highest safe one, the threshold is their midpoint. Otherwise it is the highest safe
 * score rounded up to the next 0.01, so that no safe caption of the catalog is flagged, and the result reports the
 * share of unsafe captions that still reach it.
 */
public final class SimilarityCalibration {

    private static final Logger LOG = LoggerFactory.getLogger(SimilarityCalibration.class);

    /**
     * The measurement.
     *
     * @param unsafe       similarity of each unsafe caption to its own concept
     * @param anchor       the ANCHOR caption closest to an unsafe concept
     * @param neutral      the NEUTRAL caption closest to an unsafe concept
     * @param lowestUnsafe the unsafe caption least similar to its own concept
     * @param threshold    the threshold the rule above chooses
     * @param unsafeRecall share of unsafe captions whose similarity reaches the threshold
     */
    public record Result(List<Double> unsafe, Extreme anchor, Extreme neutral, Extreme lowestUnsafe,
            double threshold, double unsafeRecall) {

        /** Copies the scores. */
        public Result {
            unsafe = List.copyOf(unsafe);
        }

        /** Formats the measurement as a few lines of text. */
        public String describe() {
            List<Double> sorted = unsafe.stream().sorted().toList();
            return String.format(Locale.ROOT, "unsafe captions: %d, similarity to their own concept: median %.4f,"
                            + " highest %.4f, lowest %s%n"
                            + "anchor captions: %d, highest similarity to an unsafe concept %s%n"
                            + "neutral captions: %d, highest similarity to an unsafe concept %s%n"
                            + "threshold: %.2f, unsafe captions at or above it: %.1f%%",
                    unsafe.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1),
                    lowestUnsafe.describe(), anchor.count(), anchor.describe(), neutral.count(), neutral.describe(),
                    threshold, 100 * unsafeRecall);
        }
    }

    /**
     * The caption with the extreme score of a group.
     *
     * @param count      captions in the group
     * @param similarity the extreme similarity
     * @param caption    the caption that has it
     * @param conceptId  the unsafe concept it was measured against
     */
    public record Extreme(int count, double similarity, String caption, String conceptId) {

        String describe() {
            return String.format(Locale.ROOT, "%.4f (\"%s\" against %s)", similarity, caption, conceptId);
        }
    }

    private SimilarityCalibration() {
    }

    /**
     * Embeds every caption of the catalog with the encoder and measures the threshold.
     *
     * @throws IllegalArgumentException when the catalog lacks UNSAFE, ANCHOR or NEUTRAL concepts
     */
    public static Result measure(ConceptCatalog catalog, TextEncoder encoder) {
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(encoder, "encoder");
        for (Role role : Role.values()) {
            if (catalog.concepts(role).isEmpty()) {
                throw new IllegalArgumentException("catalog " + catalog.version() + " has no " + role + " concept;"
                        + " the calibration needs captions of every role");
            }
        }
        DescriptionIndex descriptions = new DescriptionIndex(catalog.concepts(Role.UNSAFE), encoder);

        List<Double> unsafeScores = new ArrayList<>();
        Extreme lowestUnsafe = null;
        for (Concept concept : catalog.concepts(Role.UNSAFE)) {
            for (CatalogCaptions.Caption caption : CatalogCaptions.of(catalog, concept.id())) {
                double score = descriptions.score(SentenceEmbeddings.embed(encoder, caption.text()), concept.id());
                unsafeScores.add(score);
                if (lowestUnsafe == null || score < lowestUnsafe.similarity()) {
                    lowestUnsafe = new Extreme(0, score, caption.text(), concept.id());
                }
            }
        }
        lowestUnsafe = new Extreme(unsafeScores.size(), lowestUnsafe.similarity(), lowestUnsafe.caption(),
                lowestUnsafe.conceptId());
        Extreme anchor = highestSafe(catalog, Role.ANCHOR, descriptions, encoder);
        Extreme neutral = highestSafe(catalog, Role.NEUTRAL, descriptions, encoder);

        double highestSafe = Math.max(anchor.similarity(), neutral.similarity());
        double threshold = lowestUnsafe.similarity() > highestSafe ? (lowestUnsafe.similarity() + highestSafe) / 2
                : Math.ceil(highestSafe * 100 - 1e-9) / 100;
        long reached = unsafeScores.stream().filter(score -> score >= threshold).count();
        return new Result(unsafeScores, anchor, neutral, lowestUnsafe, threshold,
                (double) reached / unsafeScores.size());
    }

    private static Extreme highestSafe(ConceptCatalog catalog, Role role, DescriptionIndex descriptions,
            TextEncoder encoder) {
        int count = 0;
        Extreme highest = null;
        for (Concept concept : catalog.concepts(role)) {
            for (CatalogCaptions.Caption caption : CatalogCaptions.of(catalog, concept.id())) {
                count++;
                SemanticMatch closest = descriptions.rank(caption.text()).get(0);
                if (highest == null || closest.similarity() > highest.similarity()) {
                    highest = new Extreme(0, closest.similarity(), caption.text(), closest.conceptId());
                }
            }
        }
        return new Extreme(count, highest.similarity(), highest.caption(), highest.conceptId());
    }

    /**
     * Measures the threshold for all-MiniLM-L6-v2 over the default catalog and prints it. The optional argument names
     * the {@link MiniLmTextEncoder.Variant}, {@code full} (default) or {@code quantized}.
     */
    public static void main(String[] args) {
        ConceptCatalog catalog = ConceptCatalog.loadDefault();
        MiniLmTextEncoder.Variant variant = args.length == 0 ? MiniLmTextEncoder.Variant.FULL
                : MiniLmTextEncoder.Variant.valueOf(args[0].toUpperCase(Locale.ROOT));
        long start = System.nanoTime();
        try (MiniLmTextEncoder encoder = MiniLmTextEncoder.builder().variant(variant).build()) {
            Result result = measure(catalog, encoder);
            System.out.println("catalog " + catalog.version() + ", all-MiniLM-L6-v2 (" + variant + ")");
            System.out.println(result.describe());
        }
        LOG.info("Measured the similarity threshold in {} s", (System.nanoTime() - start) / 1_000_000_000L);
    }
}
