package dev.pairstream.erasure.eval;

import dev.pairstream.erasure.emoji.Box;

/**
 * The readings of one generated picture.
 *
 * @param prompt             the request
 * @param detectedConcept    the detector's most probable concept
 * @param detectedProbability its probability
 * @param backgroundColour   the catalog colour nearest to the picture's border
 * @param objectBox          the box of the pixels that differ from the background, or null when there are none
 * @param position           the grid position nearest to the box, or null without a box
 * @param emojiCorrect       whether the detector found the prompted concept
 * @param colourCorrect      whether the background is the prompted colour
 * @param positionCorrect    whether the box sits at the prompted position
 * @param centreInThird      whether the box centre lies in the prompted third of the canvas in both directions
 */
public record PictureScore(EvaluationPrompt prompt, String detectedConcept, float detectedProbability,
        String backgroundColour, Box objectBox, String position, boolean emojiCorrect, boolean colourCorrect,
        boolean positionCorrect, boolean centreInThird) {
}
