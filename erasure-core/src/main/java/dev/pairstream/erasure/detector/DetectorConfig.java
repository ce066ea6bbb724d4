package dev.pairstream.erasure.detector;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.pairstream.erasure.emoji.Concept;
import dev.pairstream.erasure.emoji.ConceptCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The contents of a detector's {@code config.json}: everything needed to rebuild the network around the weights,
 * and how it was trained.
 *
 * @param format             always {@value #FORMAT}, so that another model's config is rejected early
 * @param formatVersion      layout version of this file and of the tensor names, {@value #FORMAT_VERSION}
 * @param architecture       the network shape
 * @param inputNormalization the per-channel map applied to pictures in [-1, 1] before the first convolution
 * @param catalogVersion     version of the concept catalog whose concepts the classes are
 * @param classIds           the concept id of each output class, in output order
 * @param training           how the weights were trained; null for an untrained detector
 */
public record DetectorConfig(String format, int formatVersion, DetectorArchitecture architecture,
        InputNormalization inputNormalization, String catalogVersion, List<String> classIds,
        TrainingProvenance training) {

    /** File name of the config inside a detector folder. */
    public static final String FILE_NAME = "config.json";

    /** Value of the {@code format} field. */
    public static final String FORMAT = "pair-stream/concept-detector";

    /** Current layout version. */
    public static final int FORMAT_VERSION = 1;

    public DetectorConfig {
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("format is " + quoted(format) + "; expected \"" + FORMAT + "\"");
        }
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("formatVersion is " + formatVersion + "; this build reads version "
                    + FORMAT_VERSION);
        }
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(inputNormalization, "inputNormalization");
        if (inputNormalization.channels() != architecture.inputChannels()) {
            throw new IllegalArgumentException("inputNormalization has " + inputNormalization.channels()
                    + " channels; expected architecture.inputChannels = " + architecture.inputChannels());
        }
        if (catalogVersion == null || catalogVersion.isBlank()) {
            throw new IllegalArgumentException("catalogVersion is missing; expected the concept catalog version,"
                    + " such as \"1.0.0\"");
        }
        if (classIds == null || classIds.size() < 2) {
            throw new IllegalArgumentException("classIds is " + classIds + "; expected at least two concept ids");
        }
        classIds = List.copyOf(classIds);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < classIds.size(); i++) {
            String id = classIds.get(i);
            if (id.isBlank() || !seen.add(id)) {
                throw new IllegalArgumentException("classIds[" + i + "] is " + quoted(id)
                        + "; expected a unique, non-blank concept id");
            }
        }
    }

    /** Returns the config of an untrained detector over every concept of the catalog, in catalog order. */
    public static DetectorConfig untrained(ConceptCatalog catalog, DetectorArchitecture architecture,
            InputNormalization inputNormalization) {
        List<String> ids = catalog.concepts().stream().map(Concept::id).toList();
        return new DetectorConfig(FORMAT, FORMAT_VERSION, architecture, inputNormalization, catalog.version(), ids,
                null);
    }

    /** Returns a copy with the training provenance set. */
    public DetectorConfig withTraining(TrainingProvenance provenance) {
        return new DetectorConfig(format, formatVersion, architecture, inputNormalization, catalogVersion, classIds,
                provenance);
    }

    /** Returns the number of output classes. */
    public int classCount() {
        return classIds.size();
    }

    /**
     * Checks that the detector classifies exactly the concepts of the catalog, in catalog order.
     *
     * @throws IllegalArgumentException when the catalog version or the concept list differs, naming both
     */
    public void requireCatalog(ConceptCatalog catalog) {
        if (!catalogVersion.equals(catalog.version())) {
            throw new IllegalArgumentException("The detector was trained on concept catalog " + catalogVersion
                    + ", but the loaded catalog is version " + catalog.version()
                    + ". Train a detector for this catalog with ./pair train detector.");
        }
        List<String> catalogIds = catalog.concepts().stream().map(Concept::id).toList();
        if (!catalogIds.equals(classIds)) {
            throw new IllegalArgumentException("The detector's class ids " + classIds + " differ from the concepts"
                    + " of catalog " + catalog.version() + " " + catalogIds
                    + ". Train a detector for this catalog with ./pair train detector.");
        }
    }

    /**
     * Reads and validates a config file.
     *
     * @throws DetectorFormatException when the file is missing, unreadable, not JSON or fails validation
     */
    public static DetectorConfig read(Path file) throws DetectorFormatException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DetectorFormatException(file, null, "file not found", e);
        } catch (IOException e) {
            throw new DetectorFormatException(file, null, "failed to read: " + e.getMessage(), e);
        }
        try {
            return DetectorJson.MAPPER.readValue(bytes, DetectorConfig.class);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new DetectorFormatException(file, null, "invalid config: " + cause.getMessage(), e);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new DetectorFormatException(file, null, "invalid config JSON: " + e.getOriginalMessage() + where,
                    e);
        } catch (IOException e) {
            throw new DetectorFormatException(file, null, "failed to read: " + e.getMessage(), e);
        }
    }

    /** Writes the config as indented JSON. */
    void write(Path file) throws IOException {
        Files.write(file, DetectorJson.MAPPER.writeValueAsBytes(this));
    }

    private static String quoted(String value) {
        return value == null ? "missing" : "\"" + value + "\"";
    }
}
