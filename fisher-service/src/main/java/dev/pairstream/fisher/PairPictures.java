package dev.pairstream.fisher;

import dev.pairstream.contracts.artifact.ArtifactIntegrityException;
import dev.pairstream.contracts.artifact.ArtifactRef;
import dev.pairstream.contracts.artifact.ArtifactStore;
import dev.pairstream.contracts.event.ErasurePair;
import dev.pairstream.erasure.emoji.PictureCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Reads the two pictures of a pair from the artifact store, verified against their digests, and decodes them into the
 * model's {@code [C, H, W]} values in [-1, 1].
 *
 * <p>A missing picture, one whose bytes fail the digest, or one that is no PNG of the model's size rejects the pair.
 * Any other read failure, such as an unreachable store, is not the pair's fault: it is thrown as an
 * {@link UncheckedIOException}, so that the stream task fails, its transaction is aborted and the pair is read again
 * once the store is reachable.
 */
final class PairPictures {

    private final ArtifactStore store;
    private final int side;

    PairPictures(ArtifactStore store, int side) {
        this.store = Objects.requireNonNull(store, "store");
        this.side = side;
    }

    /** The decoded pictures of one pair. */
    record Decoded(float[] unsafePicture, float[] safePicture) {
    }

    /**
     * Reads and decodes both pictures of a pair.
     *
     * @throws PairRejectedException when the pair has no pictures, or a picture is missing, corrupt or of the wrong
     *                               size
     * @throws UncheckedIOException  when the store fails for another reason
     */
    Decoded load(ErasurePair pair) throws PairRejectedException {
        if (!pair.hasPictures()) {
            throw new PairRejectedException("no_pictures", "pair " + pair.pairId() + " is text-only; the Fisher"
                    + " estimate needs the unsafe and the safe picture", null);
        }
        return new Decoded(decode(pair, "unsafePicture", pair.unsafePicture()),
                decode(pair, "safePicture", pair.safePicture()));
    }

    private float[] decode(ErasurePair pair, String field, ArtifactRef ref) throws PairRejectedException {
        byte[] bytes;
        try {
            bytes = store.read(ref);
        } catch (NoSuchFileException e) {
            throw new PairRejectedException("picture_missing", field + " " + ref.uri() + " of pair " + pair.pairId()
                    + " is not in the artifact store", e);
        } catch (ArtifactIntegrityException e) {
            throw new PairRejectedException("picture_corrupt", field + " " + ref.uri() + " of pair " + pair.pairId()
                    + " fails its digest check: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new PairRejectedException("picture_missing", field + " " + ref.uri() + " of pair " + pair.pairId()
                    + " cannot be read from this store: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Failed to read " + field + " " + ref.uri() + " of pair " + pair.pairId()
                    + " from the artifact store", e);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            image = null;
        }
        if (image == null) {
            throw new PairRejectedException("picture_unreadable", field + " " + ref.uri() + " of pair "
                    + pair.pairId() + " is not a readable PNG", null);
        }
        if (image.getWidth() != side || image.getHeight() != side) {
            throw new PairRejectedException("picture_unreadable", field + " " + ref.uri() + " of pair "
                    + pair.pairId() + " is " + image.getWidth() + "x" + image.getHeight() + " pixels; the model draws "
                    + side + "x" + side, null);
        }
        return PictureCodec.fromImage(image);
    }
}
