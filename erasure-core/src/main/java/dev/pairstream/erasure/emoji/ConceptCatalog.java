package dev.pairstream.erasure.emoji;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The versioned catalog of the emoji world: concepts with their roles, anchors and phrases, the pinned image
 * package, and the vocabulary of colours, sizes, positions and caption templates.
 *
 * <p>The catalog is data, not code: {@value #DEFAULT_RESOURCE} on the classpath contains the default. Loading
 * validates it fully and rejects it with a {@link CatalogException} that lists every problem by field.
 */
public final class ConceptCatalog {

    /** Classpath location of the default catalog. */
    public static final String DEFAULT_RESOURCE = "/emoji-world/catalog.json";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String version;
    private final PackageSource source;
    private final Canvas canvas;
    private final List<String> categories;
    private final Map<String, Colour> colours;
    private final Map<String, ObjectSize> sizes;
    private final Map<String, GridPosition> positions;
    private final List<String> trainTemplates;
    private final List<String> heldOutTemplates;
    private final Map<String, Concept> concepts;

    ConceptCatalog(String version, PackageSource source, Canvas canvas, List<String> categories,
            List<Colour> colours, List<ObjectSize> sizes, List<GridPosition> positions, List<String> trainTemplates,
            List<String> heldOutTemplates, List<Concept> concepts) {
        this.version = version;
        this.source = source;
        this.canvas = canvas;
        this.categories = List.copyOf(categories);
        this.colours = byId(colours, Colour::id);
        this.sizes = byId(sizes, ObjectSize::id);
        this.positions = byId(positions, GridPosition::id);
        this.trainTemplates = List.copyOf(trainTemplates);
        this.heldOutTemplates = List.copyOf(heldOutTemplates);
        this.concepts = byId(concepts, Concept::id);
    }

    /** Loads and validates the default catalog from the classpath. */
    public static ConceptCatalog loadDefault() {
        try (InputStream in = ConceptCatalog.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The default concept catalog " + DEFAULT_RESOURCE + " is not on the"
                        + " classpath; the erasure-core jar is incomplete");
            }
            return parse(in, "classpath:" + DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read the default concept catalog " + DEFAULT_RESOURCE, e);
        }
    }

    /** Loads and validates a catalog file. */
    public static ConceptCatalog load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        }
    }

    /** Parses and validates catalog JSON; {@code sourceName} names the input in error messages. */
    public static ConceptCatalog parse(String json, String sourceName) {
        try {
            return parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), sourceName);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read catalog text " + sourceName, e);
        }
    }

    /**
     * Parses and validates catalog JSON from a stream; {@code sourceName} names the input in error messages.
     *
     * @throws CatalogException when the JSON is malformed, has unknown fields or fails validation
     */
    public static ConceptCatalog parse(InputStream in, String sourceName) throws IOException {
        CatalogFile file;
        try {
            file = MAPPER.readValue(in, CatalogFile.class);
        } catch (JsonProcessingException e) {
            throw new CatalogException(sourceName, e.getOriginalMessage() + " at " + location(e), e);
        }
        return CatalogValidator.validate(file, sourceName);
    }

    /** Returns the catalog version, MAJOR.MINOR.PATCH. */
    public String version() {
        return version;
    }

    /** Returns the pinned package the images come from. */
    public PackageSource source() {
        return source;
    }

    /** Returns the picture geometry. */
    public Canvas canvas() {
        return canvas;
    }

    /** Returns the unsafe category ids, in catalog order. */
    public List<String> categories() {
        return categories;
    }

    /** Returns all concepts, in catalog order. */
    public List<Concept> concepts() {
        return List.copyOf(concepts.values());
    }

    /** Returns the concepts with the given role, in catalog order. */
    public List<Concept> concepts(Role role) {
        return concepts.values().stream().filter(c -> c.role() == role).toList();
    }

    /**
     * Returns the concept with the given id.
     *
     * @throws NoSuchElementException when the catalog has no such concept
     */
    public Concept concept(String id) {
        return lookup(concepts, id, "concept");
    }

    /** Returns whether the catalog has a concept with the given id. */
    public boolean hasConcept(String id) {
        return concepts.containsKey(id);
    }

    /**
     * Returns the anchor concept that replaces an unsafe concept.
     *
     * @throws IllegalArgumentException when the concept is not UNSAFE
     */
    public Concept anchorOf(String unsafeId) {
        Concept concept = concept(unsafeId);
        if (!concept.isUnsafe()) {
            throw new IllegalArgumentException("Concept \"" + unsafeId + "\" is " + concept.role()
                    + "; only UNSAFE concepts have an anchor");
        }
        return concept(concept.anchor());
    }

    /** Returns the background colours, in catalog order. */
    public List<Colour> colours() {
        return List.copyOf(colours.values());
    }

    /** Returns the colour with the given id, or throws {@link NoSuchElementException}. */
    public Colour colour(String id) {
        return lookup(colours, id, "colour");
    }

    /** Returns the object sizes, in catalog order. */
    public List<ObjectSize> sizes() {
        return List.copyOf(sizes.values());
    }

    /** Returns the size with the given id, or throws {@link NoSuchElementException}. */
    public ObjectSize size(String id) {
        return lookup(sizes, id, "size");
    }

    /** Returns the grid positions, in catalog order. */
    public List<GridPosition> positions() {
        return List.copyOf(positions.values());
    }

    /** Returns the position with the given id, or throws {@link NoSuchElementException}. */
    public GridPosition position(String id) {
        return lookup(positions, id, "position");
    }

    /** Returns the caption templates that training may use. */
    public List<String> trainTemplates() {
        return trainTemplates;
    }

    /** Returns the caption templates that training never uses, kept for robustness evaluation. */
    public List<String> heldOutTemplates() {
        return heldOutTemplates;
    }

    private static <T> Map<String, T> byId(List<T> items, Function<T, String> id) {
        Map<String, T> map = new LinkedHashMap<>();
        items.forEach(item -> map.put(id.apply(item), item));
        return Collections.unmodifiableMap(map);
    }

    private static <T> T lookup(Map<String, T> items, String id, String kind) {
        T item = items.get(id);
        if (item == null) {
            throw new NoSuchElementException("Unknown " + kind + " \"" + id + "\"; the catalog has " + items.keySet());
        }
        return item;
    }

    private static String location(JsonProcessingException e) {
        if (e.getLocation() == null) {
            return "an unknown location";
        }
        return "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
}
