package dev.pairstream.erasure.pretrain;

/**
 * The host-side inputs of one training step, drawn from the run seed and the step alone.
 *
 * @param step        the step (counted from 0) the batch belongs to
 * @param batchSize   pictures in the batch
 * @param tokens      padded context length
 * @param hiddenSize  width of one token's hidden state
 * @param scenes      training-set index of each picture
 * @param captions    flat caption index of each picture, or -1 where the caption was replaced by the empty prompt
 * @param timesteps   diffusion timestep of each picture
 * @param pictures    clean pictures {@code [B, 3, H, W]}, flattened
 * @param noise       standard normal noise of the same shape
 * @param context     text context {@code [B, tokens, hiddenSize]}, zeros on padding
 * @param mask        context mask {@code [B, tokens]}, 1 for a real token and 0 for padding
 */
record PreparedBatch(long step, int batchSize, int tokens, int hiddenSize, int[] scenes, int[] captions,
        int[] timesteps, float[] pictures, float[] noise, float[] context, float[] mask) {
}
