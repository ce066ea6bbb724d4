package dev.pairstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.bench.CoreBenchmark;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Measures the model core's training and sampling throughput against the machine's measured peak. */
@Command(name = "core",
        mixinStandardHelpOptions = true,
        description = "Measure emoji-world training steps/s and sampling pictures/s on random inputs, with the"
                + " achieved GFLOP/s next to the peak GFLOP/s of a conv2d and a matmul micro-benchmark run in the"
                + " same process.")
final class BenchCoreCommand implements Callable<Integer> {

    @Option(names = "--train-batch", defaultValue = "32", description = "Pictures per training step"
            + " (default: ${DEFAULT-VALUE}).")
    int trainBatch;

    @Option(names = "--sample-batch", defaultValue = "16", description = "Pictures per sampling call"
            + " (default: ${DEFAULT-VALUE}).")
    int sampleBatch;

    @Option(names = "--steps", defaultValue = "25", description = "DDIM steps per picture (default: ${DEFAULT-VALUE}).")
    int samplingSteps;

    @Option(names = "--guidance", defaultValue = "3.0", description = "Guidance scale; above 1 each DDIM step runs"
            + " the UNet on twice the batch (default: ${DEFAULT-VALUE}).")
    float guidance;

    @Option(names = "--tokens", defaultValue = "32", description = "Text context length (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats of each measurement; the fastest"
            + " counts (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed repeats before timing"
            + " (default: ${DEFAULT-VALUE}).")
    int warmup;

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
        CoreBenchmark.Settings settings;
        try {
            settings = new CoreBenchmark.Settings(UNet2DConditionConfig.emojiWorld(), trainBatch, sampleBatch,
                    samplingSteps, guidance, tokens, warmup, repeats);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PyTorchThreads.configure(spec, threads);
        CoreBenchmark.Result result = new CoreBenchmark(settings).run();

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("pytorchThreads", PyTorchThreads.current());
        report.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        report.put("trainBatch", trainBatch);
        report.put("trainingStepsPerSecond", round(result.trainingStepsPerSecond()));
        report.put("trainingGflops", round(result.trainingGflops()));
        report.put("sampleBatch", sampleBatch);
        report.put("samplingSteps", samplingSteps);
        report.put("guidance", guidance);
        report.put("samplingPicturesPerSecond", round(result.samplingPicturesPerSecond()));
        report.put("samplingGflops", round(result.samplingGflops()));
        report.put("forwardGflopPerPicture", round(result.forwardGflopPerPicture()));
        report.put("conv2dGflops", round(result.conv2dGflops()));
        report.put("matmulGflops", round(result.matmulGflops()));
        report.put("peakGflops", round(result.peakGflops()));
        report.put("trainingShareOfPeak", round(result.trainingGflops() / result.peakGflops()));
        report.put("samplingShareOfPeak", round(result.samplingGflops() / result.peakGflops()));

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            report.forEach((name, value) -> out.printf("%-26s %s%n", name, value));
        }
        out.flush();
        return 0;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
