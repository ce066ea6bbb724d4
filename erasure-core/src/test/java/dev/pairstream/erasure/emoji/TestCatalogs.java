package dev.pairstream.erasure.emoji;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

/** Edits the default catalog JSON for tests that need a broken or adjusted catalog. */
final class TestCatalogs {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private TestCatalogs() {
    }

    /** Returns the default catalog as a JSON tree. */
    static ObjectNode defaultTree() {
        try (InputStream in = TestCatalogs.class.getResourceAsStream(ConceptCatalog.DEFAULT_RESOURCE)) {
            return (ObjectNode) MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the default catalog JSON after an edit. */
    static String edited(Consumer<ObjectNode> edit) {
        ObjectNode tree = defaultTree();
        edit.accept(tree);
        return tree.toString();
    }

    /** Returns the concept object with the given id. */
    static ObjectNode concept(ObjectNode tree, String id) {
        for (var node : (ArrayNode) tree.get("concepts")) {
            if (node.get("id").asText().equals(id)) {
                return (ObjectNode) node;
            }
        }
        throw new IllegalArgumentException("No concept " + id + " in the default catalog");
    }

    /** Returns the default catalog with the pinned integrity replaced, for tests that build their own tarball. */
    static ConceptCatalog withIntegrity(String integrity) {
        String json = edited(tree -> ((ObjectNode) tree.get("source")).put("integrity", integrity));
        return ConceptCatalog.parse(json, "test catalog");
    }
}
