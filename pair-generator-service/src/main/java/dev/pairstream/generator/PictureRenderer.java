package dev.pairstream.generator;

import dev.pairstream.contracts.artifact.ArtifactRef;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/** Renders the two pictures of each pair and stores them as PNGs. */
public interface PictureRenderer {

    /**
     * Renders and stores the pictures of several pairs in as few forward passes as the batch size allows.
     *
     * @return one result per request, in order
     * @throws IOException when storing a picture fails
     */
    List<RenderedPair> render(List<RenderRequest> requests) throws IOException;

    /**
     * The prompts of one pair and the seed both pictures share.
     *
     * @param pairId       id of the pair, for logs
     * @param unsafePrompt prompt that shows the concept
     * @param safePrompt   its safe counterpart
     * @param seed         seed of the initial noise of both pictures
     */
    record RenderRequest(String pairId, String unsafePrompt, String safePrompt, long seed) {

        /** Checks that every field is present. */
        public RenderRequest {
            Objects.requireNonNull(pairId, "pairId");
            Objects.requireNonNull(unsafePrompt, "unsafePrompt");
            Objects.requireNonNull(safePrompt, "safePrompt");
        }
    }

    /**
     * The stored pictures of one pair.
     *
     * @param unsafePicture PNG of the unsafe prompt
     * @param safePicture   PNG of the safe prompt from the same initial noise
     */
    record RenderedPair(ArtifactRef unsafePicture, ArtifactRef safePicture) {

        /** Checks that both pictures are present. */
        public RenderedPair {
            Objects.requireNonNull(unsafePicture, "unsafePicture");
            Objects.requireNonNull(safePicture, "safePicture");
        }
    }
}
