package dev.pairstream.erasure.emoji;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes natural-language captions for scenes from the catalog's templates and phrases.
 *
 * <p>Every choice (template, object phrase, colour, size and position wording) is drawn from one
 * {@link SplittableRandom}, so the same seed and the same sequence of calls give the same captions. An instance is
 * not thread-safe; give each thread its own, seeded from {@link #split()}.
 */
public final class CaptionGenerator {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)\\}");

    /** Words that start with a vowel letter but a consonant sound, so take "a". */
    private static final List<String> CONSONANT_SOUND_PREFIXES = List.of("one", "once", "uni", "use", "usu", "uti",
            "ura", "ure", "euro", "eu", "ewe", "ufo", "uk");

    /** Words that start with a silent h, so take "an". */
    private static final List<String> SILENT_H_PREFIXES = List.of("hour", "honest", "honour", "honor", "heir");

    private final ConceptCatalog catalog;
    private final SplittableRandom random;

    /** Creates a generator whose choices follow from the seed. */
    public CaptionGenerator(ConceptCatalog catalog, long seed) {
        this(catalog, new SplittableRandom(seed));
    }

    private CaptionGenerator(ConceptCatalog catalog, SplittableRandom random) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.random = random;
    }

    /** Returns a new generator with an independent random stream derived from this one's, for another thread. */
    public CaptionGenerator split() {
        return new CaptionGenerator(catalog, random.split());
    }

    /** Writes a caption with the template and the object phrase both from the given split. */
    public String caption(Scene scene, CaptionSplit split) {
        return caption(scene, split, split);
    }

    /**
     * Writes a caption, choosing the template from one split and the object phrase from another, so evaluation
     * can test new templates and new phrases separately.
     *
     * @throws java.util.NoSuchElementException when an id of the scene is not in the catalog
     */
    public String caption(Scene scene, CaptionSplit templateSplit, CaptionSplit phraseSplit) {
        List<String> templates = templateSplit == CaptionSplit.TRAIN ? catalog.trainTemplates()
                : catalog.heldOutTemplates();
        String template = pick(templates);
        String object = pick(objectPhrases(scene.conceptId(), phraseSplit));
        String colour = pick(catalog.colour(scene.colourId()).phrases());
        String size = pick(catalog.size(scene.sizeId()).phrases());
        String position = pick(catalog.position(scene.positionId()).phrases());
        return fill(template, object, colour, size, position);
    }

    /**
     * Returns the phrases for a concept: for TRAIN its short names and synonyms, for HELD_OUT its held-out phrases.
     * Concepts without held-out phrases, which the catalog allows for anchors and neutral concepts, use their
     * training phrases for HELD_OUT too.
     */
    public List<String> objectPhrases(String conceptId, CaptionSplit split) {
        Concept concept = catalog.concept(conceptId);
        if (split == CaptionSplit.HELD_OUT && !concept.heldOutPhrases().isEmpty()) {
            return concept.heldOutPhrases();
        }
        return concept.trainingPhrases();
    }

    /**
     * Fills a template's placeholders and then replaces each {@code {a}} with the indefinite article for the word
     * that follows it.
     */
    static String fill(String template, String object, String colour, String size, String position) {
        StringBuilder text = new StringBuilder();
        List<Integer> articles = new ArrayList<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        int last = 0;
        while (matcher.find()) {
            text.append(template, last, matcher.start());
            switch (matcher.group(1)) {
                case "a" -> {
                    articles.add(text.length());
                    text.append('\0');
                }
                case "object" -> text.append(object);
                case "colour" -> text.append(colour);
                case "size" -> text.append(size);
                case "position" -> text.append(position);
                default -> throw new IllegalArgumentException("Unknown placeholder " + matcher.group()
                        + " in template \"" + template + "\"");
            }
            last = matcher.end();
        }
        text.append(template.substring(last));
        // Replace from the end so earlier marker positions stay valid.
        for (int i = articles.size() - 1; i >= 0; i--) {
            int at = articles.get(i);
            text.replace(at, at + 1, indefiniteArticle(nextWord(text, at + 1)));
        }
        return text.toString();
    }

    /**
     * Returns "a" or "an" for the word, by its first sound. A vowel letter takes "an", except in words that start
     * with a "y" or "w" sound such as one, unicorn, user and euro. An "h" takes "a", except in the few words with a
     * silent h such as hour, honest and heir. The prefix lists cover common English words, not all of them.
     */
    public static String indefiniteArticle(String word) {
        String lower = word.strip().toLowerCase(Locale.ROOT);
        if (lower.isEmpty()) {
            throw new IllegalArgumentException("No word after the article; expected a word to choose a or an for");
        }
        if (SILENT_H_PREFIXES.stream().anyMatch(lower::startsWith)) {
            return "an";
        }
        if (CONSONANT_SOUND_PREFIXES.stream().anyMatch(lower::startsWith)) {
            return "a";
        }
        return "aeiou".indexOf(lower.charAt(0)) >= 0 ? "an" : "a";
    }

    private static String nextWord(CharSequence text, int from) {
        int start = from;
        while (start < text.length() && text.charAt(start) == ' ') {
            start++;
        }
        int end = start;
        while (end < text.length() && Character.isLetterOrDigit(text.charAt(end))) {
            end++;
        }
        return text.subSequence(start, end).toString();
    }

    private String pick(List<String> options) {
        return options.get(random.nextInt(options.size()));
    }
}
