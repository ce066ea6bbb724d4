package dev.pairstream.contracts.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.pairstream.contracts.SampleEvents;
import dev.pairstream.contracts.event.EventType;
import dev.pairstream.contracts.event.PipelineEvent;
import dev.pairstream.contracts.serde.ContractJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden-file check of the JSON Schemas under docs/schemas, and a check that the serdes write JSON those schemas
 * accept. After changing an event record, regenerate the files with
 * {@code ./mvnw -B -pl pipeline-contracts test -Dtest=EventSchemasTest -Dpairstream.schemas.update=true}.
 */
class EventSchemasTest {

    private static final Path SCHEMA_DIRECTORY =
            Path.of(System.getProperty("pairstream.schemas.dir", "../docs/schemas")).toAbsolutePath().normalize();
    private static final boolean UPDATE = Boolean.getBoolean("pairstream.schemas.update");
    private static final String REGENERATE = "./mvnw -B -pl pipeline-contracts test -Dtest=EventSchemasTest"
            + " -Dpairstream.schemas.update=true";

    private static final EventSchemaGenerator GENERATOR = new EventSchemaGenerator();
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    @BeforeAll
    static void updateWhenAsked() throws IOException {
        if (UPDATE) {
            GENERATOR.writeAll(SCHEMA_DIRECTORY);
        }
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void committedSchemaMatchesTheRecord(EventType type) throws IOException {
        // Given
        Path file = SCHEMA_DIRECTORY.resolve(type.schemaFileName());
        assertTrue(Files.isRegularFile(file), () -> file + " is missing; generate it with " + REGENERATE);

        // When
        String generated = GENERATOR.generate(type);

        // Then
        assertEquals(generated, Files.readString(file, StandardCharsets.UTF_8),
                () -> file + " is out of date; regenerate it with " + REGENERATE);
    }

    @Test
    void schemaDirectoryHoldsNoOtherSchemas() throws IOException {
        // Given
        List<String> expected = Arrays.stream(EventType.values()).map(EventType::schemaFileName).sorted().toList();

        // When
        List<String> present;
        try (Stream<Path> files = Files.list(SCHEMA_DIRECTORY)) {
            present = files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".schema.json"))
                    .sorted()
                    .toList();
        }

        // Then
        assertEquals(expected, present);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void serializedSampleConformsToItsSchema(String name, PipelineEvent sample) throws IOException {
        // Given
        Schema schema = committedSchema(sample);

        // When
        List<Error> errors = schema.validate(ContractJson.writer().writeValueAsString(sample), InputFormat.JSON);

        // Then
        assertEquals(List.of(), errors);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void schemaRejectsSampleWithoutRecordId(String name, PipelineEvent sample) throws IOException {
        // Given
        ObjectNode json = (ObjectNode) PLAIN.readTree(ContractJson.writer().writeValueAsString(sample));
        json.remove("recordId");

        // When
        List<Error> errors = committedSchema(sample).validate(json.toString(), InputFormat.JSON);

        // Then
        assertEquals(1, errors.size(), errors::toString);
        assertEquals("required", errors.get(0).getKeyword());
        assertEquals("recordId", errors.get(0).getProperty());
    }

    @Test
    void schemaRejectsWrongTypesAndDigests() throws IOException {
        // Given
        PipelineEvent pair = SampleEvents.erasurePair();
        ObjectNode json = (ObjectNode) PLAIN.readTree(ContractJson.writer().writeValueAsString(pair));
        json.put("editDistance", "three");
        json.with("unsafePicture").put("sha256", "XYZ");

        // When
        List<String> keywords = committedSchema(pair).validate(json.toString(), InputFormat.JSON).stream()
                .map(Error::getKeyword)
                .sorted()
                .toList();

        // Then
        assertTrue(keywords.contains("type"), keywords::toString);
        assertTrue(keywords.contains("pattern"), keywords::toString);
    }

    @Test
    void schemaAcceptsUnknownPropertiesLikeTheDeserializer() throws IOException {
        // Given
        PipelineEvent prompt = SampleEvents.flaggedPrompt();
        ObjectNode json = (ObjectNode) PLAIN.readTree(ContractJson.writer().writeValueAsString(prompt));
        json.put("addedLater", true);

        // When
        List<Error> errors = committedSchema(prompt).validate(json.toString(), InputFormat.JSON);

        // Then
        assertFalse(errors.stream().anyMatch(error -> "additionalProperties".equals(error.getKeyword())),
                errors::toString);
        assertEquals(List.of(), errors);
    }

    static Stream<Object[]> samples() {
        return SampleEvents.all().stream().map(event -> new Object[] {event.getClass().getSimpleName(), event});
    }

    private static Schema committedSchema(PipelineEvent sample) throws IOException {
        EventType type = EventType.of(sample.getClass()).orElseThrow();
        return REGISTRY.getSchema(Files.readString(SCHEMA_DIRECTORY.resolve(type.schemaFileName())), InputFormat.JSON);
    }
}
