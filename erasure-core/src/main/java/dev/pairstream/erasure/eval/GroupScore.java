package dev.pairstream.erasure.eval;

/**
 * Shares of correct pictures in one group of concepts.
 *
 * @param pictures       pictures in the group
 * @param emoji          share where the detector found the prompted emoji
 * @param colour         share with the prompted background colour
 * @param position       share with the object at the prompted grid position (nearest rendered box centre)
 * @param centreInThird  share whose box centre lies in the prompted third of the canvas, a stricter reading that
 *                       large objects in edge cells fail even when drawn correctly
 */
public record GroupScore(int pictures, double emoji, double colour, double position, double centreInThird) {

    /** Computes the shares over a group's picture scores. */
    static GroupScore of(Iterable<PictureScore> scores) {
        int pictures = 0;
        int emoji = 0;
        int colour = 0;
        int position = 0;
        int third = 0;
        for (PictureScore score : scores) {
            pictures++;
            emoji += score.emojiCorrect() ? 1 : 0;
            colour += score.colourCorrect() ? 1 : 0;
            position += score.positionCorrect() ? 1 : 0;
            third += score.centreInThird() ? 1 : 0;
        }
        if (pictures == 0) {
            return new GroupScore(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new GroupScore(pictures, (double) emoji / pictures, (double) colour / pictures,
                (double) position / pictures, (double) third / pictures);
    }
}
