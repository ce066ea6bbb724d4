package dev.pairstream.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.TargetModules;
import dev.pairstream.erasure.model.UNetWeights;
import dev.pairstream.erasure.text.TextEncoding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UCE baseline (Unified Concept Editing, Gandikota et al., WACV 2024): a closed-form edit of the cross-attention
 * key and value projections, with no training steps.
 *
 * <p>For every token embedding {@code c_i} of an unsafe prompt, the edited projection should map it where the base
 * projection maps the aligned token {@code c*_i} of the safe counterpart, while the tokens {@code c_j} of safe and
 * neutral prompts keep their projections. Least squares with a ridge term gives
 * {@code W' = W (ρI + Σ c*_i c_iᵀ + λ Σ c_j c_jᵀ)(ρI + Σ c_i c_iᵀ + λ Σ c_j c_jᵀ)⁻¹}, one {@code [in, in]} factor
 * shared by every edited layer. Here λ is the settings' preservation weight and ρ = {@value #RIDGE}, the identity
 * weight of the authors' code.
 *
 * <p>Tokens are aligned by the prompts' shared start and end: the pair differs only in the replaced words, so the
 * tokens before and after them pair up by position, and the unsafe words' tokens pair with the anchor's tokens
 * proportionally.
 */
public final class UnifiedConceptEditing implements ErasureMethod {

    /** Method id. */
    public static final String ID = "uce";
    /** Weight ρ of the identity term, which keeps the edit small where the prompts give no constraint. */
    public static final double RIDGE = 0.5;

    private static final Logger LOG = LoggerFactory.getLogger(UnifiedConceptEditing.class);
    private static final String WEIGHT_SUFFIX = ".weight";

    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} Only the settings' target modules and preservation weight apply; there are no steps. */
    @Override
    public ErasureResult train(ErasureProblem problem, RealignmentSettings settings, Path checkpoints,
            NDManager parent) {
        long started = System.nanoTime();
        int width = problem.encoder().hiddenSize();
        double[][] gram = identity(width, RIDGE);
        double[][] cross = identity(width, RIDGE);
        int erased = 0;
        for (TrainingPair pair : problem.pairs()) {
            TextEncoding unsafe = problem.encoder().encode(pair.unsafePrompt());
            TextEncoding safe = problem.encoder().encode(pair.safePrompt());
            for (int[] aligned : align(unsafe.tokenIds(), safe.tokenIds())) {
                double[] c = row(unsafe, aligned[0]);
                double[] target = row(safe, aligned[1]);
                addOuter(gram, c, c, 1.0);
                addOuter(cross, target, c, 1.0);
                erased++;
            }
        }
        List<String> preserved = new ArrayList<>();
        for (TrainingPair pair : problem.pairs()) {
            preserved.add(pair.safePrompt());
        }
        for (NeutralExample example : problem.neutral()) {
            preserved.add(example.prompt());
        }
        int kept = 0;
        for (String prompt : preserved.stream().distinct().toList()) {
            TextEncoding encoding = problem.encoder().encode(prompt);
            for (int token = 0; token < encoding.tokenCount(); token++) {
                double[] c = row(encoding, token);
                addOuter(gram, c, c, settings.preservationWeight());
                addOuter(cross, c, c, settings.preservationWeight());
                kept++;
            }
        }
        // W' = W K with K = cross · gram⁻¹, computed as Kᵀ = gram⁻¹ crossᵀ because gram is symmetric.
        double[][] factor = transpose(CholeskySolver.solve(gram, transpose(cross)));

        UNetWeights weights = problem.baseModel().weights();
        List<String> paths = TargetModules.select(weights.layout(), settings.targetModules());
        Map<String, NDArray> deltas = new LinkedHashMap<>();
        try (NDManager scope = parent.newSubManager()) {
            for (String path : paths) {
                NDArray weight = weights.get(path + WEIGHT_SUFFIX);
                int out = (int) weight.getShape().get(0);
                int in = (int) weight.getShape().get(1);
                if (in != width) {
                    throw new IllegalArgumentException("UCE edits projections of the text context, but " + path
                            + " takes " + in + " inputs and the text encoder gives " + width);
                }
                float[] values = weight.toFloatArray();
                float[] delta = new float[out * in];
                for (int o = 0; o < out; o++) {
                    for (int j = 0; j < in; j++) {
                        double edited = 0;
                        for (int k = 0; k < in; k++) {
                            edited += values[o * in + k] * factor[k][j];
                        }
                        delta[o * in + j] = (float) (edited - values[o * in + j]);
                    }
                }
                deltas.put(path, scope.create(delta, new Shape(out, in)));
            }
            Map<String, String> provenance = new LinkedHashMap<>();
            provenance.put("method", ID);
            provenance.put("concepts", String.join(",", problem.conceptIds()));
            provenance.put("pairs", Integer.toString(problem.pairs().size()));
            provenance.put("erased_tokens", Integer.toString(erased));
            provenance.put("preserved_tokens", Integer.toString(kept));
            provenance.put("preservation_weight", Double.toString(settings.preservationWeight()));
            provenance.put("ridge", Double.toString(RIDGE));
            Adapter adapter = Adapter.ofWeightDeltas(settings.targetModules(), deltas, weights, provenance, parent);
            double seconds = (System.nanoTime() - started) / 1e9;
            LOG.info("Edited {} layers in closed form from {} erased and {} preserved tokens in {} s", paths.size(),
                    erased, kept, String.format("%.1f", seconds));
            return new ErasureResult(ID, adapter, 0, seconds, List.of());
        }
    }

    /**
     * Pairs the token positions of an unsafe prompt with those of its safe counterpart: the shared leading and
     * trailing tokens by position, the differing middle tokens proportionally.
     */
    static List<int[]> align(long[] unsafe, long[] safe) {
        int prefix = 0;
        while (prefix < unsafe.length && prefix < safe.length && unsafe[prefix] == safe[prefix]) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < unsafe.length - prefix && suffix < safe.length - prefix
                && unsafe[unsafe.length - 1 - suffix] == safe[safe.length - 1 - suffix]) {
            suffix++;
        }
        List<int[]> pairs = new ArrayList<>(unsafe.length);
        for (int i = 0; i < prefix; i++) {
            pairs.add(new int[] {i, i});
        }
        int unsafeMiddle = unsafe.length - prefix - suffix;
        int safeMiddle = safe.length - prefix - suffix;
        for (int m = 0; m < unsafeMiddle; m++) {
            int target = safeMiddle == 0 ? Math.min(prefix, safe.length - 1)
                    : prefix + (int) ((long) m * safeMiddle / unsafeMiddle);
            pairs.add(new int[] {prefix + m, target});
        }
        for (int i = 0; i < suffix; i++) {
            pairs.add(new int[] {unsafe.length - suffix + i, safe.length - suffix + i});
        }
        return pairs;
    }

    private static double[] row(TextEncoding encoding, int token) {
        float[] hidden = encoding.hiddenStates();
        int width = encoding.hiddenSize();
        double[] values = new double[width];
        for (int i = 0; i < width; i++) {
            values[i] = hidden[token * width + i];
        }
        return values;
    }

    private static void addOuter(double[][] matrix, double[] left, double[] right, double weight) {
        for (int i = 0; i < left.length; i++) {
            double scaled = weight * left[i];
            double[] target = matrix[i];
            for (int j = 0; j < right.length; j++) {
                target[j] += scaled * right[j];
            }
        }
    }

    private static double[][] identity(int size, double value) {
        double[][] matrix = new double[size][size];
        for (int i = 0; i < size; i++) {
            matrix[i][i] = value;
        }
        return matrix;
    }

    private static double[][] transpose(double[][] matrix) {
        double[][] result = new double[matrix[0].length][matrix.length];
        for (int i = 0; i < matrix.length; i++) {
            for (int j = 0; j < matrix[0].length; j++) {
                result[j][i] = matrix[i][j];
            }
        }
        return result;
    }
}
