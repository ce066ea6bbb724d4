package dev.pairstream.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pairstream.erasure.fisher.FisherBatch;
import dev.pairstream.erasure.fisher.FisherBenchmark;
import dev.pairstream.erasure.fisher.FisherBenchmarkResult;
import dev.pairstream.erasure.fisher.FisherEstimator;
import dev.pairstream.erasure.model.UNet2DConditionConfig;
import dev.pairstream.erasure.model.UNet2DConditionModel;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import dev.pairstream.erasure.schedule.NoiseSchedule;
import dev.pairstream.erasure.schedule.SchedulerConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "fisher",
        mixinStandardHelpOptions = true,
        description = "Time the per-sample Fisher of a batch (one batched backward pass with per-sample weights)"
                + " against one plain batched backward pass and against a loop of one backward pass per sample, on"
                + " the emoji-world UNet's cross-attention key and value projections.")
final class BenchFisherCommand implements Callable<Integer> {

    @Option(names = "--batch", defaultValue = "32", description = "Pictures per batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--tokens", defaultValue = "32", description = "Text context length (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed repeats (default: ${DEFAULT-VALUE}).")
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
        PyTorchThreads.configure(spec, threads);
        UNet2DConditionConfig config = UNet2DConditionConfig.emojiWorld();
        FisherBenchmarkResult result;
        try (NDManager root = PyTorchRuntime.engine().newBaseManager();
                UNet2DConditionModel model = UNet2DConditionModel.initialize(config, root, 7)) {
            FisherEstimator estimator = new FisherEstimator(model, new NoiseSchedule(SchedulerConfig.ddpmLinear()));
            FisherBatch fisherBatch = FisherBenchmark.syntheticBatch(config, batch, tokens, 11);
            result = FisherBenchmark.run(estimator, fisherBatch, 13, warmup, repeats);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
        } else {
            out.printf("batch %d, %d modules, %d parameters, PyTorch threads %d%n", result.batchSize(),
                    result.modules(), result.targetParameters(), PyTorchThreads.current());
            out.printf("per-sample Fisher, one batched pass  %9.1f ms%n", result.perSampleMillis());
            out.printf("plain batched backward pass          %9.1f ms%n", result.plainBackwardMillis());
            out.printf("naive loop, one pass per sample      %9.1f ms%n", result.naiveLoopMillis());
            out.printf("per-sample / plain                   %9.2f x%n", result.perSampleOverPlain());
            out.printf("naive / per-sample                   %9.2f x%n", result.naiveOverPerSample());
        }
        out.flush();
        return 0;
    }
}
