package dev.pairstream.erasure.pipeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Generates one picture and writes its float values, little-endian, to a file: the child process of the
 * cross-JVM determinism test.
 *
 * <p>Arguments: model folder, output file, seed, DDIM steps, guidance scale, prompt.
 */
public final class GeneratePicture {

    private GeneratePicture() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        Path output = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        SamplingOptions options = new SamplingOptions(Integer.parseInt(args[3]), Float.parseFloat(args[4]), 1);
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(model)) {
            float[] picture = pipeline.generate(args[5], seed, options);
            Files.write(output, toBytes(picture));
        }
    }

    static byte[] toBytes(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }
}
