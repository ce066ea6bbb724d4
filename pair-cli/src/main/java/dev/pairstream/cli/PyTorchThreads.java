package dev.pairstream.cli;

import ai.djl.pytorch.jni.JniUtils;
import dev.pairstream.erasure.runtime.PyTorchRuntime;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Sets PyTorch's intra-op thread count for commands that train or sample. */
final class PyTorchThreads {

    /** The DJL system property that sets PyTorch's intra-op threads when the engine loads. */
    static final String PROPERTY = "ai.djl.pytorch.num_threads";

    private PyTorchThreads() {
    }

    /**
     * Uses {@code -Dai.djl.pytorch.num_threads} when it is set and {@code threads} otherwise, then loads the engine
     * and applies the count, also when the engine was loaded earlier in this JVM.
     *
     * @throws ParameterException when the count, or the property, is not a positive integer
     */
    static void configure(CommandSpec spec, int threads) {
        int requested = threads;
        String property = System.getProperty(PROPERTY);
        if (property != null) {
            try {
                requested = Integer.parseInt(property.trim());
            } catch (NumberFormatException e) {
                requested = 0;
            }
            if (requested < 1) {
                throw new ParameterException(spec.commandLine(), "Invalid -D" + PROPERTY + "=" + property
                        + "; expected a positive integer");
            }
        } else if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for --threads: " + threads
                    + "; expected at least 1");
        } else {
            System.setProperty(PROPERTY, Integer.toString(threads));
        }
        PyTorchRuntime.engine();
        if (JniUtils.getNumThreads() != requested) {
            JniUtils.setNumThreads(requested);
        }
    }

    /** Returns the intra-op thread count PyTorch uses now. */
    static int current() {
        return JniUtils.getNumThreads();
    }
}
