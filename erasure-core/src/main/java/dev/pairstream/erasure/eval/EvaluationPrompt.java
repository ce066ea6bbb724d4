package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.emoji.Role;
import dev.pairstream.erasure.emoji.Scene;

/**
 * One picture the evaluation requests.
 *
 * @param index  position in the evaluation, from 0
 * @param scene  what the prompt describes
 * @param role   the role of the scene's concept
 * @param prompt the caption, from a held-out template
 * @param seed   the sampling seed
 */
public record EvaluationPrompt(int index, Scene scene, Role role, String prompt, long seed) {
}
