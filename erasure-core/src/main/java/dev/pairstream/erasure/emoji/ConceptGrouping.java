package dev.pairstream.erasure.emoji;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The rule by which the services group concepts into the concept sets they estimate, train and evaluate together. With
 * {@link Mode#CONCEPT} each concept is its own set. With {@link Mode#CATEGORY} every unsafe concept of the catalog
 * joins the other unsafe concepts of its moderation category, so one adapter erases, say, every violence concept at
 * once. A concept the catalog does not know, or one without a category, stays a set of its own in both modes.
 */
public final class ConceptGrouping {

    /** The grouping rule. */
    public enum Mode {
        /** One set per concept. */
        CONCEPT,
        /** One set per moderation category of the catalog. */
        CATEGORY;

        /** Parses {@code concept} or {@code category}, in any case. */
        public static Mode parse(String text) {
            for (Mode mode : values()) {
                if (mode.name().equalsIgnoreCase(text.strip())) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("Unknown concept grouping '" + text + "'; expected concept or category");
        }
    }

    /**
     * One concept set.
     *
     * @param label      a short name for ids and logs: the concept id, or the category
     * @param conceptIds the concepts of the set, sorted
     */
    public record ConceptSet(String label, List<String> conceptIds) {

        /** Copies the concepts. */
        public ConceptSet {
            Objects.requireNonNull(label, "label");
            conceptIds = List.copyOf(conceptIds);
        }
    }

    private final Mode mode;
    private final ConceptCatalog catalog;

    /**
     * Creates the grouping.
     *
     * @param mode    the rule
     * @param catalog the catalog whose categories {@link Mode#CATEGORY} uses; may be null for {@link Mode#CONCEPT}
     */
    public ConceptGrouping(Mode mode, ConceptCatalog catalog) {
        this.mode = Objects.requireNonNull(mode, "mode");
        if (mode == Mode.CATEGORY) {
            Objects.requireNonNull(catalog, "catalog");
        }
        this.catalog = catalog;
    }

    /** Returns the rule. */
    public Mode mode() {
        return mode;
    }

    /** Returns the set that {@code conceptId} belongs to. */
    public ConceptSet setOf(String conceptId) {
        Objects.requireNonNull(conceptId, "conceptId");
        if (mode == Mode.CONCEPT || !catalog.hasConcept(conceptId)) {
            return new ConceptSet(conceptId, List.of(conceptId));
        }
        Concept concept = catalog.concept(conceptId);
        if (concept.role() != Role.UNSAFE || concept.category() == null) {
            return new ConceptSet(conceptId, List.of(conceptId));
        }
        List<String> members = new ArrayList<>();
        for (Concept candidate : catalog.concepts(Role.UNSAFE)) {
            if (concept.category().equals(candidate.category())) {
                members.add(candidate.id());
            }
        }
        members.sort(null);
        return new ConceptSet(concept.category().toLowerCase(Locale.ROOT), members);
    }

    /** Returns the distinct sets of the concepts, in the order their first concept appears. */
    public List<ConceptSet> setsOf(List<String> conceptIds) {
        List<ConceptSet> sets = new ArrayList<>();
        for (String conceptId : conceptIds) {
            ConceptSet set = setOf(conceptId);
            if (!sets.contains(set)) {
                sets.add(set);
            }
        }
        return sets;
    }
}
