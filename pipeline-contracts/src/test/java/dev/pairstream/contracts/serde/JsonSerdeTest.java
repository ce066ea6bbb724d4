package dev.pairstream.contracts.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pairstream.contracts.SampleEvents;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.PipelineEvent;
import dev.pairstream.contracts.event.TrainingJobState;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonSerdeTest {

    private static final String TOPIC = "serde-test";
    // A plain mapper, independent of the contract configuration, to build and edit test JSON.
    private static final ObjectMapper PLAIN = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    @SuppressWarnings({"unchecked", "rawtypes"})
    void roundTripKeepsEveryEventEqual(String name, PipelineEvent sample) {
        // Given
        JsonSerde serde = JsonSerde.of(sample.getClass());

        // When
        byte[] json = serde.serialize(TOPIC, sample);
        Object read = serde.deserialize(TOPIC, json);

        // Then
        assertEquals(sample, read);
    }

    static Stream<Arguments> samples() {
        return SampleEvents.all().stream().map(event -> Arguments.of(event.getClass().getSimpleName(), event));
    }

    @Test
    void jsonKeepsEnvelopeFlatWithIsoInstants() throws Exception {
        // Given
        ErasurePair pair = SampleEvents.erasurePair();

        // When
        JsonNode json = PLAIN.readTree(JsonSerde.of(ErasurePair.class).serialize(TOPIC, pair));

        // Then
        assertEquals(1, json.get("schemaVersion").intValue());
        assertEquals("rec-pair-1", json.get("recordId").textValue());
        assertEquals("rec-flagged-1", json.get("causationId").textValue());
        assertEquals("stable-diffusion-v1-5", json.get("baseModelId").textValue());
        assertEquals("[\"nudity\",\"van-gogh-style\"]", json.get("conceptIds").toString());
        assertEquals("2025-03-01T10:15:31.123456789Z", json.get("createdAt").textValue());
        assertEquals("artifact://sha256/" + "1".repeat(64), json.get("unsafePicture").get("uri").textValue());
        assertEquals(1234567890123L, json.get("seed").longValue());
    }

    @Test
    void serializationOmitsNullFields() throws Exception {
        // Given a job that is still queued, without loss, ETA, reason or adapter
        TrainingJobState queued = new TrainingJobState(SampleEvents.trainingJobState().envelope(), "job-2",
                TrainingJobState.State.QUEUED, 0, 100, null, null, null, null);
        JsonSerde<TrainingJobState> serde = JsonSerde.of(TrainingJobState.class);

        // When
        byte[] bytes = serde.serialize(TOPIC, queued);
        JsonNode json = PLAIN.readTree(bytes);

        // Then
        assertFalse(json.has("loss"));
        assertFalse(json.has("etaSeconds"));
        assertFalse(json.has("reason"));
        assertFalse(json.has("candidateAdapterId"));
        assertEquals(queued, serde.deserialize(TOPIC, bytes));
    }

    @Test
    void nullRoundTripsAsNull() {
        // Given
        JsonSerde<ErasurePair> serde = JsonSerde.of(ErasurePair.class);

        // When / Then
        assertNull(serde.deserialize(TOPIC, null));
        assertNull(serde.serialize(TOPIC, null));
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        // Given a record from a newer producer of the same schema version with an extra field
        ObjectNode json = jsonOf(SampleEvents.erasurePair());
        json.put("addedLater", "value");
        json.with("unsafePicture").put("addedLater", 3);

        // When
        ErasurePair read = JsonSerde.of(ErasurePair.class).deserialize(TOPIC, bytes(json));

        // Then
        assertEquals(SampleEvents.erasurePair(), read);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidErasurePairs")
    void invalidErasurePairIsRejectedNamingTheField(
            String description, Consumer<ObjectNode> edit, String expectedField, String expectedMessageStart) {
        // Given
        ObjectNode json = jsonOf(SampleEvents.erasurePair());
        edit.accept(json);

        // When
        RecordValidationException error = assertThrows(RecordValidationException.class,
                () -> JsonSerde.of(ErasurePair.class).deserialize(TOPIC, bytes(json)));

        // Then
        assertEquals(expectedField, error.field());
        assertTrue(error.getMessage().startsWith(expectedMessageStart),
                () -> "message was: " + error.getMessage());
    }

    static Stream<Arguments> invalidErasurePairs() {
        return Stream.of(
                Arguments.of("missing string", edit(json -> json.remove("safePrompt")),
                        "ErasurePair.safePrompt", "ErasurePair.safePrompt is missing"),
                Arguments.of("explicit null string", edit(json -> json.putNull("safePrompt")),
                        "ErasurePair.safePrompt", "ErasurePair.safePrompt is missing"),
                Arguments.of("missing primitive", edit(json -> json.remove("editDistance")),
                        "ErasurePair.editDistance", "ErasurePair.editDistance is missing"),
                Arguments.of("null primitive", edit(json -> json.putNull("seed")),
                        "ErasurePair.seed", "ErasurePair.seed must be an integer but was null"),
                Arguments.of("word for integer", edit(json -> json.put("editDistance", "three")),
                        "ErasurePair.editDistance", "ErasurePair.editDistance must be an integer"),
                Arguments.of("numeric string for integer", edit(json -> json.put("editDistance", "3")),
                        "ErasurePair.editDistance", "ErasurePair.editDistance must be an integer"),
                Arguments.of("fraction for integer", edit(json -> json.put("editDistance", 2.5)),
                        "ErasurePair.editDistance", "ErasurePair.editDistance must be an integer"),
                Arguments.of("number for string", edit(json -> json.put("safePrompt", 42)),
                        "ErasurePair.safePrompt", "ErasurePair.safePrompt must be a string but was 42"),
                Arguments.of("boolean for number", edit(json -> json.put("embeddingSimilarity", true)),
                        "ErasurePair.embeddingSimilarity", "ErasurePair.embeddingSimilarity must be a number"),
                Arguments.of("string for array", edit(json -> json.put("conceptIds", "nudity")),
                        "ErasurePair.conceptIds", "ErasurePair.conceptIds must be an array"),
                Arguments.of("number for instant", edit(json -> json.put("createdAt", 1_700_000_000)),
                        "ErasurePair.createdAt", "ErasurePair.createdAt must be an ISO-8601 instant"),
                Arguments.of("text for instant", edit(json -> json.put("createdAt", "yesterday")),
                        "ErasurePair.createdAt", "ErasurePair.createdAt must be an ISO-8601 instant"),
                Arguments.of("similarity out of range", edit(json -> json.put("embeddingSimilarity", 1.5)),
                        "ErasurePair.embeddingSimilarity",
                        "ErasurePair.embeddingSimilarity must be between -1.0 and 1.0 but was 1.5"),
                Arguments.of("blank id", edit(json -> json.put("pairId", "  ")),
                        "ErasurePair.pairId", "ErasurePair.pairId must not be blank"),
                Arguments.of("safe equals unsafe",
                        edit(json -> json.put("safePrompt", json.get("unsafePrompt").textValue())),
                        "ErasurePair.safePrompt", "ErasurePair.safePrompt must differ from unsafePrompt"),
                Arguments.of("one picture only", edit(json -> json.remove("safePicture")),
                        "ErasurePair.safePicture", "ErasurePair.safePicture is missing; a pair has both pictures"),
                Arguments.of("empty concepts", edit(json -> json.putArray("conceptIds")),
                        "ErasurePair.conceptIds", "ErasurePair.conceptIds must not be empty"),
                Arguments.of("repeated concept", edit(json -> json.putArray("conceptIds").add("a").add("a")),
                        "ErasurePair.conceptIds[1]", "ErasurePair.conceptIds[1] repeats 'a'"),
                Arguments.of("separator in concept", edit(json -> json.putArray("conceptIds").add("a,b")),
                        "ErasurePair.conceptIds[0]", "ErasurePair.conceptIds[0] must not contain whitespace"),
                Arguments.of("null concept", edit(json -> json.putArray("conceptIds").add("a").addNull()),
                        "ErasurePair.conceptIds[1]", "ErasurePair.conceptIds[1] is missing"),
                Arguments.of("nested malformed digest", edit(json -> json.with("unsafePicture").put("sha256", "XYZ")),
                        "ErasurePair.unsafePicture.sha256",
                        "ErasurePair.unsafePicture.sha256 must be 64 lowercase hex digits but was 'XYZ'"),
                Arguments.of("nested missing field", edit(json -> json.with("safePicture").remove("mediaType")),
                        "ErasurePair.safePicture.mediaType", "ErasurePair.safePicture.mediaType is missing"),
                Arguments.of("nested negative size", edit(json -> json.with("safePicture").put("sizeBytes", -1)),
                        "ErasurePair.safePicture.sizeBytes",
                        "ErasurePair.safePicture.sizeBytes must be at least 0 but was -1"),
                Arguments.of("missing causation", edit(json -> json.remove("causationId")),
                        "ErasurePair.causationId", "ErasurePair.causationId is missing"),
                Arguments.of("missing schema version", edit(json -> json.remove("schemaVersion")),
                        "ErasurePair.schemaVersion", "ErasurePair.schemaVersion is missing"),
                Arguments.of("textual schema version", edit(json -> json.put("schemaVersion", "1")),
                        "ErasurePair.schemaVersion", "ErasurePair.schemaVersion must be an integer"),
                Arguments.of("schema version zero", edit(json -> json.put("schemaVersion", 0)),
                        "ErasurePair.schemaVersion", "ErasurePair.schemaVersion must be at least 1 but was 0"));
    }

    @Test
    void newerSchemaVersionIsRejectedBeforeFieldChecks() {
        // Given a version 2 record whose layout this code cannot know: a field changed its type
        ObjectNode json = jsonOf(SampleEvents.erasurePair());
        json.put("schemaVersion", 2);
        json.putObject("seed").put("value", 7);

        // When
        RecordValidationException error = assertThrows(RecordValidationException.class,
                () -> JsonSerde.of(ErasurePair.class).deserialize(TOPIC, bytes(json)));

        // Then
        UnsupportedSchemaVersionException unsupported =
                assertInstanceOf(UnsupportedSchemaVersionException.class, error);
        assertEquals("ErasurePair.schemaVersion", error.field());
        assertEquals("ErasurePair.schemaVersion is 2, newer than the supported version 1;"
                + " upgrade pipeline-contracts in this service to read it", error.getMessage());
        assertEquals(2, unsupported.schemaVersion());
        assertEquals(1, unsupported.supportedVersion());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidEvaluationReports")
    void invalidNestedListAndMapValuesAreRejectedWithTheirPath(
            String description, Consumer<ObjectNode> edit, String expectedField, String expectedMessageStart) {
        // Given
        ObjectNode json = jsonOf(SampleEvents.evaluationReport());
        edit.accept(json);

        // When
        RecordValidationException error = assertThrows(RecordValidationException.class,
                () -> JsonSerde.of(EvaluationReport.class).deserialize(TOPIC, bytes(json)));

        // Then
        assertEquals(expectedField, error.field());
        assertTrue(error.getMessage().startsWith(expectedMessageStart),
                () -> "message was: " + error.getMessage());
    }

    static Stream<Arguments> invalidEvaluationReports() {
        return Stream.of(
                Arguments.of("failed gate without reason", edit(json -> gate(json, 1).remove("reason")),
                        "EvaluationReport.gates[1].reason",
                        "EvaluationReport.gates[1].reason is missing; a failed gate must say why"),
                Arguments.of("gate missing primitive", edit(json -> gate(json, 0).remove("passed")),
                        "EvaluationReport.gates[0].passed", "EvaluationReport.gates[0].passed is missing"),
                Arguments.of("gate value of wrong type", edit(json -> gate(json, 0).put("value", "high")),
                        "EvaluationReport.gates[0].value", "EvaluationReport.gates[0].value must be a number"),
                Arguments.of("unknown enum constant", edit(json -> json.put("decision", "MAYBE")),
                        "EvaluationReport.decision",
                        "EvaluationReport.decision must be one of [PROMOTED, REJECTED] but was 'MAYBE'"),
                Arguments.of("enum as number", edit(json -> json.put("decision", 0)),
                        "EvaluationReport.decision", "EvaluationReport.decision must be one of [PROMOTED, REJECTED]"),
                Arguments.of("metric of wrong type", edit(json -> json.with("metrics").put("clipScore", "high")),
                        "EvaluationReport.metrics.clipScore", "EvaluationReport.metrics.clipScore must be a number"),
                Arguments.of("promotion with a failed gate", edit(json -> json.put("decision", "PROMOTED")),
                        "EvaluationReport.decision",
                        "EvaluationReport.decision is PROMOTED but gate 'clip-score' failed"),
                Arguments.of("rejection without reasons", edit(json -> json.putArray("reasons")),
                        "EvaluationReport.reasons", "EvaluationReport.reasons must not be empty when decision is"),
                Arguments.of("repeated gate", edit(json -> gate(json, 1).put("gate", "erasure-rate")),
                        "EvaluationReport.gates[1].gate", "EvaluationReport.gates[1].gate repeats gate"));
    }

    @Test
    void unknownJobStateIsRejected() {
        // Given
        ObjectNode json = jsonOf(SampleEvents.trainingJobState());
        json.put("state", "DONE");

        // When
        RecordValidationException error = assertThrows(RecordValidationException.class,
                () -> JsonSerde.of(TrainingJobState.class).deserialize(TOPIC, bytes(json)));

        // Then
        assertEquals("TrainingJobState.state", error.field());
        assertEquals("TrainingJobState.state must be one of [QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED]"
                + " but was 'DONE'", error.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedDocuments")
    void malformedJsonIsRejectedNamingWhereItBroke(
            String description, byte[] document, String expectedField, String expectedMessageStart) {
        // When
        RecordValidationException error = assertThrows(RecordValidationException.class,
                () -> JsonSerde.of(ErasurePair.class).deserialize(TOPIC, document));

        // Then
        assertEquals(expectedField, error.field());
        assertTrue(error.getMessage().startsWith(expectedMessageStart),
                () -> "message was: " + error.getMessage());
        assertInstanceOf(SerializationException.class, error);
    }

    static Stream<Arguments> malformedDocuments() {
        String valid = new String(bytes(jsonOf(SampleEvents.erasurePair())), StandardCharsets.UTF_8);
        return Stream.of(
                Arguments.of("not JSON", utf8("not json"), "ErasurePair", "ErasurePair is not valid JSON at line 1"),
                Arguments.of("truncated inside a value", utf8("{\"schemaVersion\":1,\"safePrompt\":\"a clothed"),
                        "ErasurePair.safePrompt", "ErasurePair.safePrompt is not valid JSON"),
                Arguments.of("truncated inside a nested object",
                        utf8("{\"schemaVersion\":1,\"unsafePicture\":{\"sha256\":"),
                        "ErasurePair.unsafePicture.sha256", "ErasurePair.unsafePicture.sha256 is not valid JSON"),
                Arguments.of("duplicate key", utf8("{\"schemaVersion\":1,\"pairId\":\"a\",\"pairId\":\"b\"}"),
                        "ErasurePair.pairId", "ErasurePair.pairId is not valid JSON"),
                Arguments.of("trailing content", utf8(valid + " {"), "ErasurePair", "ErasurePair is not valid JSON"),
                Arguments.of("invalid UTF-8", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'},
                        "ErasurePair", "ErasurePair is not valid JSON"),
                Arguments.of("empty input", new byte[0], "ErasurePair", "ErasurePair is empty; expected a JSON object"),
                Arguments.of("array at the root", utf8("[1, 2]"), "ErasurePair",
                        "ErasurePair must be a JSON object but was an array"),
                Arguments.of("string at the root", utf8("\"pair\""), "ErasurePair",
                        "ErasurePair must be a JSON object but was the string 'pair'"));
    }

    private static ObjectNode gate(ObjectNode report, int index) {
        return (ObjectNode) ((ArrayNode) report.get("gates")).get(index);
    }

    private static Consumer<ObjectNode> edit(Consumer<ObjectNode> edit) {
        return edit;
    }

    private static ObjectNode jsonOf(PipelineEvent event) {
        try {
            return (ObjectNode) PLAIN.readTree(ContractJson.writer().writeValueAsBytes(event));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(JsonNode json) {
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
