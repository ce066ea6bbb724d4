package dev.pairstream.erasure.emoji;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The catalog JSON as written, before validation. Every field may be null here so that the validator can report
 * all missing fields at once, by name.
 */
record CatalogFile(String version, String description, SourceFile source, CanvasFile canvas,
        List<String> categories, List<ColourFile> colours, List<SizeFile> sizes, List<PositionFile> positions,
        TemplatesFile templates, List<ConceptFile> concepts) {

    record SourceFile(@JsonProperty("package") String packageName, String version, String integrity,
            String imageDirectory, Integer imageSize, String metadataFile, List<String> licenceFiles) {
    }

    record CanvasFile(Integer width, Integer height, Integer margin, Integer gridRows, Integer gridColumns) {
    }

    record ColourFile(String id, List<Integer> rgb, List<String> phrases) {
    }

    record SizeFile(String id, Integer pixels, List<String> phrases) {
    }

    record PositionFile(String id, Integer row, Integer column, List<String> phrases) {
    }

    record TemplatesFile(List<String> train, List<String> heldOut) {
    }

    record ConceptFile(String id, String unified, String role, String category, String anchor, String unicodeName,
            List<String> shortNames, List<String> synonyms, List<String> heldOutPhrases) {
    }
}
