package dev.pairstream.erasure.emoji;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Enumerates and samples scenes: every combination of concept, colour, size and position, or random ones drawn
 * uniformly from a seeded {@link SplittableRandom}. An instance is not thread-safe.
 */
public final class SceneSampler {

    private final ConceptCatalog catalog;
    private final SplittableRandom random;

    /** Creates a sampler whose draws follow from the seed. */
    public SceneSampler(ConceptCatalog catalog, long seed) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.random = new SplittableRandom(seed);
    }

    /** Returns every scene of every concept, in catalog order: concept, then colour, size and position. */
    public List<Scene> allScenes() {
        List<Scene> scenes = new ArrayList<>();
        for (Concept concept : catalog.concepts()) {
            scenes.addAll(allScenes(concept.id()));
        }
        return scenes;
    }

    /**
     * Returns every scene of one concept, in catalog order of colour, size and position.
     *
     * @throws java.util.NoSuchElementException when the concept is not in the catalog
     */
    public List<Scene> allScenes(String conceptId) {
        catalog.concept(conceptId);
        List<Scene> scenes = new ArrayList<>();
        for (Colour colour : catalog.colours()) {
            for (ObjectSize size : catalog.sizes()) {
                for (GridPosition position : catalog.positions()) {
                    scenes.add(new Scene(conceptId, colour.id(), size.id(), position.id()));
                }
            }
        }
        return scenes;
    }

    /** Returns the number of scenes one concept has: colours x sizes x positions. */
    public int scenesPerConcept() {
        return catalog.colours().size() * catalog.sizes().size() * catalog.positions().size();
    }

    /**
     * Draws a scene of the given concept with a uniformly random colour, size and position.
     *
     * @throws java.util.NoSuchElementException when the concept is not in the catalog
     */
    public Scene sample(String conceptId) {
        catalog.concept(conceptId);
        List<Colour> colours = catalog.colours();
        List<ObjectSize> sizes = catalog.sizes();
        List<GridPosition> positions = catalog.positions();
        return new Scene(conceptId,
                colours.get(random.nextInt(colours.size())).id(),
                sizes.get(random.nextInt(sizes.size())).id(),
                positions.get(random.nextInt(positions.size())).id());
    }

    /**
     * Draws a scene of a uniformly random concept with the given role.
     *
     * @throws IllegalArgumentException when the catalog has no concept with that role
     */
    public Scene sample(Role role) {
        List<Concept> concepts = catalog.concepts(role);
        if (concepts.isEmpty()) {
            throw new IllegalArgumentException("The catalog has no " + role + " concept to sample");
        }
        return sample(concepts.get(random.nextInt(concepts.size())).id());
    }

    /** Draws {@code count} scenes of random concepts with the given role. */
    public List<Scene> sample(Role role, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("Invalid scene count " + count + "; expected 0 or more");
        }
        List<Scene> scenes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            scenes.add(sample(role));
        }
        return scenes;
    }
}
