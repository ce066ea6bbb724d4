package dev.pairstream.contracts.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pairstream.contracts.InvalidFieldException;
import dev.pairstream.contracts.SampleEvents;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.topic.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EventRecordsTest {

    private static final Instant NOW = Instant.parse("2025-03-02T08:00:00Z");

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRecords")
    void constructorRejectsInvalidValueNamingTheField(
            String description, Supplier<Object> construction, String expectedField, String expectedMessage) {
        // When
        InvalidFieldException error = assertThrows(InvalidFieldException.class, construction::get);

        // Then
        assertEquals(expectedField, error.field());
        assertEquals(expectedMessage, error.getMessage());
    }

    static Stream<Arguments> invalidRecords() {
        ErasurePair pair = SampleEvents.erasurePair();
        Envelope derived = Envelope.derivedFrom(pair, "rec-x", NOW);
        ArtifactRef tensors = ArtifactRef.of(SampleEvents.SHA256_ABC, 3, "application/octet-stream");
        return Stream.of(
                Arguments.of("derived record without concepts",
                        supply(() -> new FisherSnapshot(derived.withConceptIds(List.of()), "f", 1, 1, 1, tensors, "c",
                                List.of(new OffsetRange(0, 0, 0)))),
                        "FisherSnapshot.conceptIds", "FisherSnapshot.conceptIds must not be empty"),
                Arguments.of("derived record without cause",
                        supply(() -> new FisherSnapshot(new Envelope("rec-x", null, "model", List.of("c"), NOW), "f",
                                1, 1, 1, tensors, "c", List.of(new OffsetRange(0, 0, 0)))),
                        "FisherSnapshot.causationId", "FisherSnapshot.causationId is missing"),
                Arguments.of("base model id with key separator",
                        supply(() -> new FisherSnapshot(new Envelope("rec-x", "c", "a|b", List.of("c"), NOW), "f",
                                1, 1, 1, tensors, "c", List.of(new OffsetRange(0, 0, 0)))),
                        "FisherSnapshot.baseModelId", "FisherSnapshot.baseModelId must not contain '|' but was 'a|b'"),
                Arguments.of("schema version newer than supported",
                        supply(() -> new FlaggedPrompt(2, "rec", null, "model", List.of(), NOW, "p", "text",
                                List.of("sexual"), null, null, NOW)),
                        "FlaggedPrompt.schemaVersion", "FlaggedPrompt.schemaVersion is 2, newer than the supported"
                                + " version 1; upgrade pipeline-contracts in this service to read it"),
                Arguments.of("flagged prompt without categories",
                        supply(() -> new FlaggedPrompt(Envelope.root("rec", "model", NOW), "p", "text", List.of(),
                                null, null, NOW)),
                        "FlaggedPrompt.categories", "FlaggedPrompt.categories must not be empty"),
                Arguments.of("blank optional tenant",
                        supply(() -> new FlaggedPrompt(Envelope.root("rec", "model", NOW), "p", "text",
                                List.of("sexual"), " ", null, NOW)),
                        "FlaggedPrompt.tenant",
                        "FlaggedPrompt.tenant must not be blank when present (omit it instead)"),
                Arguments.of("overlapping covered ranges",
                        supply(() -> new FisherSnapshot(derived, "f", 2, 1, 1, tensors, "c",
                                List.of(new OffsetRange(1, 10, 20), new OffsetRange(1, 20, 30)))),
                        "FisherSnapshot.coveredRanges", "FisherSnapshot.coveredRanges contains overlapping ranges"
                                + " OffsetRange[partition=1, fromOffset=10, toOffset=20] and"
                                + " OffsetRange[partition=1, fromOffset=20, toOffset=30]"),
                Arguments.of("more pairs than covered offsets",
                        supply(() -> new FisherSnapshot(derived, "f", 12, 6, 6, tensors, "c",
                                List.of(new OffsetRange(0, 0, 4), new OffsetRange(1, 0, 5)))),
                        "FisherSnapshot.pairCount", "FisherSnapshot.pairCount is 12 but coveredRanges hold only 11"
                                + " offsets"),
                Arguments.of("offset range ending before it starts",
                        supply(() -> new OffsetRange(0, 10, 9)),
                        "OffsetRange.toOffset", "OffsetRange.toOffset must be at least 10 but was 9"),
                Arguments.of("step beyond total",
                        supply(() -> new TrainingJobState(derived, "job", TrainingJobState.State.RUNNING, 11, 10,
                                null, null, null, null)),
                        "TrainingJobState.step", "TrainingJobState.step is 11 but must not exceed totalSteps 10"),
                Arguments.of("failed job without reason",
                        supply(() -> new TrainingJobState(derived, "job", TrainingJobState.State.FAILED, 1, 10,
                                null, null, null, null)),
                        "TrainingJobState.reason", "TrainingJobState.reason is missing; a FAILED job must say why"),
                Arguments.of("succeeded job without adapter",
                        supply(() -> new TrainingJobState(derived, "job", TrainingJobState.State.SUCCEEDED, 10, 10,
                                0.1, 0L, null, null)),
                        "TrainingJobState.candidateAdapterId",
                        "TrainingJobState.candidateAdapterId is missing; a SUCCEEDED job must name its adapter"),
                Arguments.of("loss that is not a number",
                        supply(() -> new TrainingJobState(derived, "job", TrainingJobState.State.RUNNING, 1, 10,
                                Double.NaN, null, null, null)),
                        "TrainingJobState.loss", "TrainingJobState.loss must be a finite number but was NaN"),
                Arguments.of("negative ETA",
                        supply(() -> new TrainingJobState(derived, "job", TrainingJobState.State.RUNNING, 1, 10,
                                null, -5L, null, null)),
                        "TrainingJobState.etaSeconds", "TrainingJobState.etaSeconds must be at least 0 but was -5"),
                Arguments.of("adapter version zero",
                        supply(() -> new AdapterCandidate(derived, "a", 0, "job", "pair-lora", tensors,
                                SampleEvents.provenance())),
                        "AdapterCandidate.adapterVersion", "AdapterCandidate.adapterVersion must be at least 1 but"
                                + " was 0"),
                Arguments.of("provenance with malformed Fisher digest",
                        supply(() -> new AdapterProvenance(Map.of(), "f", "abc", List.of(new OffsetRange(0, 0, 0)),
                                "digest", Map.of())),
                        "AdapterProvenance.fisherSnapshotSha256",
                        "AdapterProvenance.fisherSnapshotSha256 must be 64 lowercase hex digits but was 'abc'"),
                Arguments.of("provenance metric that is infinite",
                        supply(() -> new AdapterProvenance(Map.of(), "f", SampleEvents.SHA256_ABC,
                                List.of(new OffsetRange(0, 0, 0)), "digest",
                                Map.of("loss", Double.POSITIVE_INFINITY))),
                        "AdapterProvenance.trainingMetrics.loss",
                        "AdapterProvenance.trainingMetrics.loss must be a finite number but was Infinity"),
                Arguments.of("promotion key of another concept set",
                        supply(() -> new AdapterPromotion(AdapterPromotion.SCHEMA_VERSION, "rec", "cause", "model",
                                List.of("b", "a"), NOW, "model|a", "adapter", 1, tensors, "eval",
                                AdapterPromotion.Kind.PROMOTION, null)),
                        "AdapterPromotion.key", "AdapterPromotion.key must be 'model|a,b' for baseModelId and"
                                + " conceptIds but was 'model|a'"),
                Arguments.of("promotion without evaluation",
                        supply(() -> new AdapterPromotion(derived, "adapter", 1, tensors, null,
                                AdapterPromotion.Kind.PROMOTION, null)),
                        "AdapterPromotion.evaluationId",
                        "AdapterPromotion.evaluationId is missing; a PROMOTION must name its evaluation"),
                Arguments.of("rollback without reason",
                        supply(() -> new AdapterPromotion(derived, "adapter", 1, tensors, null,
                                AdapterPromotion.Kind.ROLLBACK, null)),
                        "AdapterPromotion.reason", "AdapterPromotion.reason is missing; a ROLLBACK must say why"),
                Arguments.of("dead letter without cause",
                        supply(() -> new DeadLetter(new Envelope("rec", null, "model", List.of(), NOW), "t", 0, 0,
                                null, null, "bad", "java.lang.Exception", "svc")),
                        "DeadLetter.causationId", "DeadLetter.causationId is missing"),
                Arguments.of("dead letter with negative offset",
                        supply(() -> new DeadLetter(new Envelope("rec", "t-0@0", "model", List.of(), NOW), "t", 0, -1,
                                null, null, "bad", "java.lang.Exception", "svc")),
                        "DeadLetter.sourceOffset", "DeadLetter.sourceOffset must be at least 0 but was -1"),
                Arguments.of("captured bytes whose size disagrees",
                        supply(() -> new CapturedBytes("abc", CapturedBytes.Encoding.UTF8, 4, false)),
                        "CapturedBytes.data", "CapturedBytes.data holds 3 bytes but sizeBytes is 4"),
                Arguments.of("captured bytes marked truncated but whole",
                        supply(() -> new CapturedBytes("abc", CapturedBytes.Encoding.UTF8, 3, true)),
                        "CapturedBytes.truncated", "CapturedBytes.truncated is true but data contains all 3 bytes"),
                Arguments.of("captured bytes with broken Base64",
                        supply(() -> new CapturedBytes("%%%", CapturedBytes.Encoding.BASE64, 3, false)),
                        "CapturedBytes.data", "CapturedBytes.data is not valid Base64: Illegal base64 character 25"),
                Arguments.of("artifact URI naming another digest",
                        supply(() -> new ArtifactRef("artifact://sha256/" + SampleEvents.SHA256_EMPTY,
                                SampleEvents.SHA256_ABC, 3, "text/plain")),
                        "ArtifactRef.uri", "ArtifactRef.uri must be 'artifact://sha256/" + SampleEvents.SHA256_ABC
                                + "' to match sha256 but was 'artifact://sha256/" + SampleEvents.SHA256_EMPTY + "'"),
                Arguments.of("relative artifact URI",
                        supply(() -> new ArtifactRef("blobs/abc", SampleEvents.SHA256_ABC, 3, "text/plain")),
                        "ArtifactRef.uri", "ArtifactRef.uri must be an absolute URI with a scheme but was"
                                + " 'blobs/abc'"),
                Arguments.of("uppercase digest",
                        supply(() -> ArtifactRef.of(SampleEvents.SHA256_ABC.toUpperCase(), 3, "text/plain")),
                        "ArtifactRef.sha256", "ArtifactRef.sha256 must be 64 lowercase hex digits but was '"
                                + SampleEvents.SHA256_ABC.toUpperCase() + "'"),
                Arguments.of("media type without subtype",
                        supply(() -> ArtifactRef.of(SampleEvents.SHA256_ABC, 3, "image")),
                        "ArtifactRef.mediaType", "ArtifactRef.mediaType must be a media type such as 'image/png' but"
                                + " was 'image'"));
    }

    @Test
    void flaggedPromptNeedsNoCauseOrConcepts() {
        // When
        FlaggedPrompt prompt = new FlaggedPrompt(Envelope.root("rec-1", "model", NOW), "p-1", "text",
                List.of("violence"), null, null, NOW);

        // Then
        assertNull(prompt.causationId());
        assertEquals(List.of(), prompt.conceptIds());
        assertEquals(FlaggedPrompt.SCHEMA_VERSION, prompt.schemaVersion());
    }

    @Test
    void derivedEnvelopeCarriesCauseModelAndConcepts() {
        // Given
        ErasurePair cause = SampleEvents.erasurePair();

        // When
        Envelope envelope = Envelope.derivedFrom(cause, "rec-next", NOW);

        // Then
        assertEquals(new Envelope("rec-next", "rec-pair-1", "stable-diffusion-v1-5",
                List.of("nudity", "van-gogh-style"), NOW), envelope);
        assertEquals(cause.envelope(), new Envelope(cause.recordId(), cause.causationId(), cause.baseModelId(),
                cause.conceptIds(), cause.createdAt()));
    }

    @Test
    void recordsKeepImmutableListCopies() {
        // Given
        List<String> categories = new ArrayList<>(List.of("sexual"));
        FlaggedPrompt prompt = new FlaggedPrompt(Envelope.root("rec-1", "model", NOW), "p-1", "text", categories,
                null, null, NOW);

        // When
        categories.add("violence");

        // Then
        assertEquals(List.of("sexual"), prompt.categories());
        assertThrows(UnsupportedOperationException.class, () -> prompt.categories().add("x"));
    }

    @Test
    void promotionKeySortsConceptIds() {
        // Given
        Envelope envelope = new Envelope("rec-1", "eval-rec", "sd-2.1", List.of("violence", "nudity"), NOW);

        // When
        AdapterPromotion promotion = new AdapterPromotion(envelope, "adapter-1", 1,
                ArtifactRef.of(SampleEvents.SHA256_ABC, 3, "application/x-safetensors"), "eval-1",
                AdapterPromotion.Kind.PROMOTION, null);

        // Then
        assertEquals("sd-2.1|nudity,violence", promotion.key());
        assertEquals("sd-2.1|nudity,violence", EventKeys.conceptSetKey("sd-2.1", List.of("nudity", "violence")));
    }

    @Test
    void conceptSetKeyRejectsEmptySet() {
        // When
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> EventKeys.conceptSetKey("sd-2.1", List.of()));

        // Then
        assertEquals("conceptIds must not be empty for a concept-set key", error.getMessage());
    }

    @Test
    void capturedUtf8IsCutAtCharacterBoundary() {
        // Given "aé€" is 1 + 2 + 3 = 6 bytes in UTF-8
        byte[] raw = "aé€".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        // When the limit falls inside the three bytes of the euro sign
        CapturedBytes captured = CapturedBytes.capture(raw, 4);

        // Then
        assertEquals(new CapturedBytes("aé", CapturedBytes.Encoding.UTF8, 6, true), captured);
    }

    @Test
    void capturedBinaryUsesBase64() {
        // Given bytes that are not UTF-8
        byte[] raw = {(byte) 0xFF, (byte) 0xFE, 0x00, 0x41};

        // When
        CapturedBytes whole = CapturedBytes.capture(raw, 100);
        CapturedBytes cut = CapturedBytes.capture(raw, 2);

        // Then
        assertEquals(new CapturedBytes("//4AQQ==", CapturedBytes.Encoding.BASE64, 4, false), whole);
        assertEquals(new CapturedBytes("//4=", CapturedBytes.Encoding.BASE64, 4, true), cut);
        assertEquals(List.of((byte) 0xFF, (byte) 0xFE), toList(cut.decode()));
    }

    @Test
    void deadLetterKeepsCoordinatesAndError() {
        // Given
        byte[] value = "{\"broken\":".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        IllegalStateException error = new IllegalStateException("ErasurePair.safePrompt is missing");

        // When
        DeadLetter letter = DeadLetter.fromFailedRecord("fisher-service", "sd-2.1", Topics.PAIRS.name(), 4, 1234,
                null, value, error, NOW);

        // Then
        assertEquals(Topics.PAIRS.name() + "-4@1234", letter.causationId());
        assertEquals(List.of(), letter.conceptIds());
        assertNull(letter.key());
        assertEquals(new CapturedBytes("{\"broken\":", CapturedBytes.Encoding.UTF8, 10, false), letter.payload());
        assertEquals("ErasurePair.safePrompt is missing", letter.reason());
        assertEquals("java.lang.IllegalStateException", letter.errorClass());
        assertEquals(NOW, letter.createdAt());
        assertTrue(letter.recordId().matches("[0-9a-f-]{36}"), letter.recordId());
    }

    @Test
    void deadLetterCutsHugeReasons() {
        // Given
        RuntimeException error = new RuntimeException("x".repeat(DeadLetter.MAX_REASON_CHARS + 10));

        // When
        DeadLetter letter = DeadLetter.fromFailedRecord("svc", "model", "t", 0, 0, null, null, error, NOW);

        // Then
        assertEquals(4096, letter.reason().length());
    }

    @Test
    void eventTypeCatalogCoversEverySample() {
        // Given
        List<String> expectedNames = List.of("flagged-prompt", "erasure-pair", "fisher-snapshot",
                "training-job-state", "adapter-candidate", "evaluation-report", "adapter-promotion", "dead-letter");

        // When
        List<String> names = SampleEvents.all().stream()
                .map(event -> EventType.of(event.getClass()).orElseThrow())
                .map(EventType::schemaName)
                .toList();

        // Then
        assertEquals(expectedNames, names);
        for (EventType type : EventType.values()) {
            assertEquals(1, type.schemaVersion(), type.name());
        }
    }

    private static List<Byte> toList(byte[] bytes) {
        List<Byte> list = new ArrayList<>();
        for (byte b : bytes) {
            list.add(b);
        }
        return list;
    }

    private static Supplier<Object> supply(Supplier<Object> construction) {
        return construction;
    }
}
