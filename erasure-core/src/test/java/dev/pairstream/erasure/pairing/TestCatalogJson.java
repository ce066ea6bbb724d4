package dev.pairstream.erasure.pairing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Builds catalogs that differ from the default one in a concept's short names, for tests of rare cases. */
final class TestCatalogJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestCatalogJson() {
    }

    /** Returns the default catalog with the short names of one concept replaced. */
    static ConceptCatalog withShortNames(String conceptId, List<String> shortNames) {
        ObjectNode tree;
        try (InputStream in = TestCatalogJson.class.getResourceAsStream(ConceptCatalog.DEFAULT_RESOURCE)) {
            tree = (ObjectNode) MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (JsonNode concept : tree.get("concepts")) {
            if (concept.get("id").asText().equals(conceptId)) {
                ArrayNode names = ((ObjectNode) concept).putArray("shortNames");
                shortNames.forEach(names::add);
                return ConceptCatalog.parse(tree.toString(), "default catalog with new short names for " + conceptId);
            }
        }
        throw new IllegalArgumentException("no concept " + conceptId + " in the default catalog");
    }
}
