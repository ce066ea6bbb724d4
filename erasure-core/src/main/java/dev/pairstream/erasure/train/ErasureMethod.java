package dev.pairstream.erasure.train;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;

/**
 * A way to erase concepts from a base model. PAIR itself, its ablations and the baselines it is compared with all
 * implement this, so the comparison runs every method on the same pairs, seeds and evaluation.
 */
public interface ErasureMethod {

    /** Returns the method's stable id, used on the command line, in reports and in adapter provenance. */
    String id();

    /**
     * Trains the method on a problem.
     *
     * @param problem         the base model, pairs and neutral examples
     * @param settings        the hyper-parameters
     * @param checkpoints     a folder for checkpoints of the method's state, or null for none
     * @param parent          the manager under which the result's arrays are created
     * @return the trained erasure; the caller closes it
     * @throws ErasureDivergedException when a loss or gradient stops being finite
     */
    ErasureResult train(ErasureProblem problem, RealignmentSettings settings, Path checkpoints, NDManager parent);
}
