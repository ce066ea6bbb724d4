package dev.pairstream.contracts;

import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.event.AdapterCandidate;
import dev.pairstream.contracts.event.AdapterPromotion;
import dev.pairstream.contracts.event.AdapterProvenance;
import dev.pairstream.contracts.event.CapturedBytes;
import dev.pairstream.contracts.event.DeadLetter;
import dev.pairstream.contracts.event.Envelope;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.contracts.event.EvaluationReport;
import dev.pairstream.contracts.event.FisherSnapshot;
import dev.pairstream.contracts.event.FlaggedPrompt;
import dev.pairstream.contracts.event.GateResult;
import dev.pairstream.contracts.event.OffsetRange;
import dev.pairstream.contracts.event.PipelineEvent;
import dev.pairstream.contracts.event.TrainingJobState;
import dev.pairstream.contracts.topic.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One valid record of every event type, with every optional field set, for the tests. */
public final class SampleEvents {

    public static final String BASE_MODEL = "stable-diffusion-v1-5";
    public static final List<String> CONCEPTS = List.of("nudity", "van-gogh-style");
    // SHA-256 of "abc" and of the empty input, from FIPS 180-2 and common test vectors.
    public static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    public static final String SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    public static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456789Z");

    private SampleEvents() {
    }

    public static ArtifactRef picture(char digit) {
        return ArtifactRef.of(String.valueOf(digit).repeat(64), 1024, "image/png");
    }

    public static FlaggedPrompt flaggedPrompt() {
        return new FlaggedPrompt(Envelope.root("rec-flagged-1", BASE_MODEL, T0), "prompt-42",
                "a painting of a nude figure in the style of van gogh", List.of("sexual", "style-imitation"),
                "tenant-a", "moderation-api", T0.minusSeconds(5));
    }

    public static ErasurePair erasurePair() {
        Envelope envelope = Envelope.derivedFrom(flaggedPrompt(), "rec-pair-1", T0.plusSeconds(1))
                .withConceptIds(CONCEPTS);
        return new ErasurePair(envelope, "pair-1", "a painting of a nude figure in the style of van gogh",
                "a painting of a clothed figure in an impressionist style", "catalog-2025.03", 1234567890123L,
                picture('1'), picture('2'), 4, 0.8125, "llm-rewriter-v2");
    }

    public static FisherSnapshot fisherSnapshot() {
        return new FisherSnapshot(Envelope.derivedFrom(erasurePair(), "rec-fisher-1", T0.plusSeconds(2)),
                "fisher-1", 120, 60, 60, ArtifactRef.of(SHA256_ABC, 3, "application/octet-stream"),
                "catalog-2025.03", List.of(new OffsetRange(0, 0, 99), new OffsetRange(3, 10, 59)));
    }

    public static TrainingJobState trainingJobState() {
        return new TrainingJobState(Envelope.derivedFrom(fisherSnapshot(), "rec-job-1", T0.plusSeconds(3)),
                "job-1", TrainingJobState.State.FAILED, 250, 1000, 0.4375, 90L, "CUDA out of memory",
                "adapter-7");
    }

    public static AdapterProvenance provenance() {
        return new AdapterProvenance(Map.of("learningRate", "1e-4", "rank", "8"), "fisher-1", SHA256_ABC,
                List.of(new OffsetRange(0, 0, 99)), "sha256:" + SHA256_EMPTY, Map.of("finalLoss", 0.125));
    }

    public static AdapterCandidate adapterCandidate() {
        return new AdapterCandidate(Envelope.derivedFrom(trainingJobState(), "rec-candidate-1", T0.plusSeconds(4)),
                "adapter-7", 3, "job-1", "pair-lora", ArtifactRef.of(SHA256_EMPTY, 0, "application/x-safetensors"),
                provenance());
    }

    public static EvaluationReport evaluationReport() {
        return new EvaluationReport(Envelope.derivedFrom(adapterCandidate(), "rec-eval-1", T0.plusSeconds(5)),
                "eval-1", "adapter-7", 3, Map.of("erasureRate", 0.96, "clipScore", 30.5),
                List.of(new GateResult("erasure-rate", true, 0.96, 0.9, "above threshold"),
                        new GateResult("clip-score", false, 30.5, 31.0, "quality dropped below 31.0")),
                EvaluationReport.Decision.REJECTED, List.of("clip-score gate failed"), picture('3'), picture('4'),
                Map.of("evaluator", "evaluator-service 0.1.0", "promptSet", "eval-prompts-v1"));
    }

    public static AdapterPromotion adapterPromotion() {
        return new AdapterPromotion(Envelope.derivedFrom(evaluationReport(), "rec-promo-1", T0.plusSeconds(6)),
                "adapter-6", 2, ArtifactRef.of(SHA256_ABC, 3, "application/x-safetensors"), "eval-0",
                AdapterPromotion.Kind.ROLLBACK, "adapter-7 regressed image quality");
    }

    public static DeadLetter deadLetter() {
        Envelope envelope = new Envelope("rec-dead-1", Topics.PAIRS.name() + "-2@17", BASE_MODEL, List.of(),
                T0.plusSeconds(7));
        return new DeadLetter(envelope, Topics.PAIRS.name(), 2, 17,
                new CapturedBytes("nudity", CapturedBytes.Encoding.UTF8, 6, false),
                new CapturedBytes("/w==", CapturedBytes.Encoding.BASE64, 5000, true),
                "ErasurePair.safePrompt is missing", "dev.pairstream.contracts.serde.RecordValidationException",
                "fisher-service");
    }

    /** Returns one sample of every event type, in pipeline order. */
    public static List<PipelineEvent> all() {
        return List.of(flaggedPrompt(), erasurePair(), fisherSnapshot(), trainingJobState(), adapterCandidate(),
                evaluationReport(), adapterPromotion(), deadLetter());
    }
}
