package dev.pairstream.erasure.train;

import dev.pairstream.erasure.fisher.FisherEstimate;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.text.TextEncoder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The input of an erasure method: the frozen base model with its noise schedule and text encoder, the pairs of the
 * concepts to erase, and neutral examples to preserve. Methods with the Fisher-weighted initialisation also need the
 * Fisher estimates of the pairs' unsafe and safe halves.
 *
 * @param baseModel    the model to erase from; its weights are never changed
 * @param baseModelId  the base model's id, recorded in the adapter's provenance
 * @param schedule     the noise schedule the base model was trained with
 * @param encoder      the base model's text encoder
 * @param pairs        at least one pair
 * @param neutral      neutral examples, possibly none
 * @param unsafeFisher the Fisher estimate of the unsafe halves, when known
 * @param safeFisher   the Fisher estimate of the safe halves, when known
 */
public record ErasureProblem(UNet2DConditionModel baseModel, String baseModelId, NoiseSchedule schedule,
        TextEncoder encoder, List<TrainingPair> pairs, List<NeutralExample> neutral,
        Optional<FisherEstimate> unsafeFisher, Optional<FisherEstimate> safeFisher) {

    /** Validates the fields and copies the lists. */
    public ErasureProblem {
        Objects.requireNonNull(baseModel, "baseModel");
        TrainingPair.requireText(baseModelId, "baseModelId");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(pairs, "pairs");
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("No pairs to erase with; expected at least one");
        }
        pairs = List.copyOf(pairs);
        neutral = List.copyOf(Objects.requireNonNull(neutral, "neutral"));
        Objects.requireNonNull(unsafeFisher, "unsafeFisher");
        Objects.requireNonNull(safeFisher, "safeFisher");
        if (unsafeFisher.isPresent() != safeFisher.isPresent()) {
            throw new IllegalArgumentException("Only one Fisher estimate given; the Fisher-weighted initialisation"
                    + " needs both the unsafe and the safe half");
        }
        int pictureValues = baseModel.config().inChannels() * baseModel.config().sampleSize()
                * baseModel.config().sampleSize();
        for (TrainingPair pair : pairs) {
            requirePictureSize(pair.safePictureView().length, pictureValues, "pair " + pair.pairId());
        }
        for (NeutralExample example : neutral) {
            requirePictureSize(example.pictureView().length, pictureValues, "neutral prompt '"
                    + abbreviate(example.prompt()) + "'");
        }
    }

    /** Returns the ids of the concepts the pairs erase, in first-seen order. */
    public List<String> conceptIds() {
        return pairs.stream().map(TrainingPair::conceptId).distinct().toList();
    }

    private static void requirePictureSize(int actual, int expected, String what) {
        if (actual != expected) {
            throw new IllegalArgumentException("The picture of " + what + " has " + actual + " values; the base"
                    + " model expects " + expected);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
