package dev.pairstream.erasure.eval;

import java.util.List;

/** Generates one picture per prompt from its seed, such as a text-to-image pipeline with or without an adapter. */
@FunctionalInterface
public interface PictureSource {

    /**
     * Generates pictures.
     *
     * @return CHW pictures in [-1, 1], one per prompt, in order
     */
    List<float[]> generate(List<String> prompts, long[] seeds);
}
