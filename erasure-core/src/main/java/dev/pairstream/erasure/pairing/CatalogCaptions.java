package dev.pairstream.erasure.pairing;

import dev.pairstream.erasure.emoji.CaptionGenerator;
import dev.pairstream.erasure.emoji.CaptionSplit;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every caption the catalog can write for a concept, one per template (train and held-out) and catalog phrase
 * (short names, synonyms and held-out phrases), for exhaustive checks and for calibrating the similarity threshold.
 *
 * <p>Unlike {@link CaptionGenerator}, which draws every choice at random, this enumerates templates and phrases
 * in catalog order. The colour, size and position words cycle through the catalog's vocabulary with the caption's
 * index, so the captions vary in those words too while staying reproducible.
 */
public final class CatalogCaptions {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)\\}");

    /**
     * One caption.
     *
     * @param conceptId     id of the concept the caption shows
     * @param phrase        the catalog phrase in the caption
     * @param template      the template it was filled from
     * @param templateSplit whether the template is a train or a held-out one
     * @param colour        the colour words in the caption
     * @param size          the size words in the caption
     * @param position      the position words in the caption
     * @param text          the filled caption
     */
    public record Caption(String conceptId, String phrase, String template, CaptionSplit templateSplit,
            String colour, String size, String position, String text) {
    }

    private CatalogCaptions() {
    }

    /**
     * Writes every caption of one concept: templates in catalog order, train before held-out, and for each template
     * every phrase in catalog order.
     *
     * @throws java.util.NoSuchElementException when the catalog has no concept with that id
     */
    public static List<Caption> of(ConceptCatalog catalog, String conceptId) {
        Objects.requireNonNull(catalog, "catalog");
        Concept concept = catalog.concept(conceptId);
        Set<String> phrases = new LinkedHashSet<>(concept.trainingPhrases());
        phrases.addAll(concept.heldOutPhrases());
        List<Caption> captions = new ArrayList<>();
        int index = 0;
        for (CaptionSplit split : CaptionSplit.values()) {
            List<String> templates = split == CaptionSplit.TRAIN ? catalog.trainTemplates()
                    : catalog.heldOutTemplates();
            for (String template : templates) {
                for (String phrase : phrases) {
                    String colour = pick(catalog.colours().get(index % catalog.colours().size()).phrases(), index);
                    String size = pick(catalog.sizes().get(index % catalog.sizes().size()).phrases(), index);
                    String position = pick(catalog.positions().get(index % catalog.positions().size()).phrases(),
                            index);
                    String text = fill(template, phrase, colour, size, position);
                    captions.add(new Caption(concept.id(), phrase, template, split, colour, size, position, text));
                    index++;
                }
            }
        }
        return List.copyOf(captions);
    }

    /**
     * Fills a template's {@code {object}}, {@code {colour}}, {@code {size}} and {@code {position}} placeholders, then
     * each {@code {a}} with the indefinite article for the word after it.
     *
     * @throws IllegalArgumentException when the template has another placeholder, or {@code {a}} before no word
     */
    static String fill(String template, String object, String colour, String size, String position) {
        StringBuilder text = new StringBuilder();
        List<Integer> articles = new ArrayList<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        int last = 0;
        while (matcher.find()) {
            text.append(template, last, matcher.start());
            switch (matcher.group(1)) {
                case "a" -> articles.add(text.length());
                case "object" -> text.append(object);
                case "colour" -> text.append(colour);
                case "size" -> text.append(size);
                case "position" -> text.append(position);
                default -> throw new IllegalArgumentException("template \"" + template + "\" has the unknown"
                        + " placeholder " + matcher.group() + "; expected {a}, {object}, {colour}, {size} or"
                        + " {position}");
            }
            last = matcher.end();
        }
        text.append(template, last, template.length());
        // Insert from the end so the earlier positions stay valid.
        for (int i = articles.size() - 1; i >= 0; i--) {
            int at = articles.get(i);
            text.insert(at, CaptionGenerator.indefiniteArticle(nextWord(text, at)));
        }
        return text.toString();
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

    private static String pick(List<String> options, int index) {
        return options.get(index % options.size());
    }
}
