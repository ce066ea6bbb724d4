package dev.pairstream.erasure.pairing;

import java.util.List;
import java.util.Objects;

/**
 * One prompt of the Inappropriate Image Prompts (I2P) benchmark.
 *
 * @param id                      the row index of the first CSV column, unique in the file
 * @param prompt                  the prompt text as the user wrote it; may span lines
 * @param categories              the inappropriate categories, such as {@code violence} or {@code illegal activity}
 * @param hard                    whether the benchmark marks the prompt as hard
 * @param inappropriatePercentage share of Stable Diffusion pictures of this prompt judged inappropriate, 0 to 100
 * @param promptToxicity          toxicity score of the prompt text, 0 to 1
 * @param evaluationSeed          the seed the benchmark generates the prompt's pictures with
 * @param evaluationGuidance      the classifier-free guidance scale the benchmark uses
 * @param line                    the CSV line the record starts on, for error messages
 */
public record I2pPrompt(String id, String prompt, List<String> categories, boolean hard,
        double inappropriatePercentage, double promptToxicity, long evaluationSeed, double evaluationGuidance,
        int line) {

    /** Copies the categories. */
    public I2pPrompt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        categories = List.copyOf(categories);
    }
}
