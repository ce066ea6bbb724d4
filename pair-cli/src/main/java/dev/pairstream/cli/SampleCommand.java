package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.emoji.PictureCodec;
import dev.pairstream.erasure.pipeline.PictureGrid;
import dev.pairstream.erasure.pipeline.SamplingOptions;
import dev.pairstream.erasure.pipeline.TextToImagePipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Generates pictures from prompts with a trained model folder. */
@Command(name = "sample",
        mixinStandardHelpOptions = true,
        description = "Generate pictures from text prompts with a model folder (DDIM with classifier-free guidance)."
                + " One picture is written as a PNG; several are tiled into one PNG grid, a row per prompt.")
final class SampleCommand implements Callable<Integer> {

    /** Exit code when the model folder cannot be loaded or the picture cannot be written. */
    static final int FAILED = 1;

    @Option(names = "--model", defaultValue = "models/emoji-world-base",
            description = "Model folder (default: ${DEFAULT-VALUE}).")
    Path modelDirectory;

    @Option(names = "--prompt", required = true,
            description = "Prompt to draw; repeat the option for several prompts. \"\" draws unconditionally.")
    List<String> prompts;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the first picture of each prompt; picture i uses seed + i (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--count", defaultValue = "1", description = "Pictures per prompt (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--steps", defaultValue = "25",
            description = "DDIM steps, 1 to 50 (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "3.0",
            description = "Classifier-free guidance scale, 1 or more; 1 turns guidance off (default: ${DEFAULT-VALUE}).")
    float guidance;

    @Option(names = "--batch-size", defaultValue = "16",
            description = "Pictures denoised together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--scale", defaultValue = "4",
            description = "Enlargement of each picture in the PNG, by pixel repetition (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--out", required = true, description = "PNG file to write.")
    Path output;

    @Option(names = "--threads", defaultValue = "2",
            description = "PyTorch intra-op threads, unless -Dai.djl.pytorch.num_threads is set"
                    + " (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SamplingOptions options = options();
        if (count < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for --count: " + count
                    + "; expected at least 1");
        }
        if (scale < 1 || scale > 64) {
            throw new ParameterException(spec.commandLine(), "Invalid value for --scale: " + scale
                    + "; expected 1 to 64");
        }
        PyTorchThreads.configure(spec, threads);

        List<String> allPrompts = new ArrayList<>();
        long[] seeds = new long[prompts.size() * count];
        for (String prompt : prompts) {
            for (int i = 0; i < count; i++) {
                seeds[allPrompts.size()] = seed + i;
                allPrompts.add(prompt);
            }
        }

        Map<String, Object> report = new LinkedHashMap<>();
        try (TextToImagePipeline pipeline = TextToImagePipeline.load(modelDirectory)) {
            long started = System.nanoTime();
            List<float[]> pictures = pipeline.generate(allPrompts, seeds, options);
            double seconds = (System.nanoTime() - started) / 1e9;
            if (pictures.size() == 1) {
                int size = pipeline.pictureSize();
                PictureCodec.writePng(PictureGrid.tile(pictures, size, size, 1, scale, 0), output);
            } else {
                pipeline.writeGrid(pictures, count, scale, output);
            }

            report.put("out", output.toAbsolutePath().toString());
            report.put("model", modelDirectory.toAbsolutePath().toString());
            report.put("prompts", prompts);
            report.put("pictures", pictures.size());
            report.put("firstSeed", seed);
            report.put("steps", options.inferenceSteps());
            report.put("guidance", options.guidanceScale());
            report.put("pytorchThreads", PyTorchThreads.current());
            report.put("seconds", Math.round(seconds * 1000) / 1000.0);
            report.put("picturesPerSecond", Math.round(pictures.size() / seconds * 1000) / 1000.0);
        } catch (IOException e) {
            spec.commandLine().getErr().println("pair sample: " + e.getMessage());
            return FAILED;
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            report.forEach((name, value) -> out.printf("%-18s %s%n", name, value));
        }
        out.flush();
        return 0;
    }

    private SamplingOptions options() {
        try {
            return new SamplingOptions(steps, guidance, batchSize);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
