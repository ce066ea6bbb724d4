package dev.pairstream.erasure.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.pairstream.erasure.adapter.Adapter;
import dev.pairstream.erasure.adapter.AdapterConfig;
import dev.pairstream.erasure.adapter.FidoraInitializer;
import dev.pairstream.erasure.adapter.TargetModules;
import dev.pairstream.erasure.fisher.FisherEstimate;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Erasure by a low-rank adapter on the base model's Linear layers, trained by realignment: PAIR itself (DoRA,
 * Fisher-weighted initialisation, paired objective) and the ablations that change one of those three choices.
 */
public final class AdapterErasure implements ErasureMethod {

    /** The starting values of the adapter's factors. */
    public enum Initialization {
        /** PEFT's default: A Kaiming-uniform from the seed, B zero, so the model starts unchanged. */
        RANDOM,
        /** FiDoRA: the top singular directions of the Fisher-importance-weighted base weight. */
        FISHER
    }

    /** PAIR: DoRA, Fisher-weighted initialisation, paired realignment. */
    public static final AdapterErasure PAIR = new AdapterErasure("pair", true, Initialization.FISHER,
            RealignmentTrainer.Objective.PAIRED);
    /** Ablation: DoRA with PEFT's random initialisation, paired realignment. */
    public static final AdapterErasure DORA_RANDOM = new AdapterErasure("dora-random", true, Initialization.RANDOM,
            RealignmentTrainer.Objective.PAIRED);
    /** Ablation: plain LoRA with PEFT's random initialisation, paired realignment. */
    public static final AdapterErasure LORA_RANDOM = new AdapterErasure("lora-random", false, Initialization.RANDOM,
            RealignmentTrainer.Objective.PAIRED);
    /**
     * Ablation: FiDoRA, but each unsafe prompt is realigned on the safe picture of another pair, so the target
     * shows the anchor without the unsafe picture's structure.
     */
    public static final AdapterErasure FIDORA_UNPAIRED = new AdapterErasure("fidora-unpaired", true,
            Initialization.FISHER, RealignmentTrainer.Objective.UNPAIRED);
    /**
     * Baseline ESD-x (Gandikota et al., ICCV 2023): the cross-attention projections learn the negatively guided
     * prediction on the base model's unsafe pictures. The original fine-tunes the full weights. Here a LoRA adapter
     * of the configured rank carries the change, so that every method ships in the same format.
     */
    public static final AdapterErasure ESD_X = new AdapterErasure("esd-x", false, Initialization.RANDOM,
            RealignmentTrainer.Objective.NEGATIVE_GUIDANCE);
    /**
     * Baseline Concept Ablation (Kumari et al., ICCV 2023, model-based variant): the unsafe prompt learns the base
     * model's prediction for the anchor on anchor pictures that do not share the unsafe prompt's structure. As with
     * ESD-x, a LoRA adapter carries the change.
     */
    public static final AdapterErasure CONCEPT_ABLATION = new AdapterErasure("concept-ablation", false,
            Initialization.RANDOM, RealignmentTrainer.Objective.UNPAIRED);

    private final String id;
    private final boolean useDora;
    private final Initialization initialization;
    private final RealignmentTrainer.Objective objective;

    private AdapterErasure(String id, boolean useDora, Initialization initialization,
            RealignmentTrainer.Objective objective) {
        this.id = id;
        this.useDora = useDora;
        this.initialization = initialization;
        this.objective = objective;
    }

    /** Returns every adapter method: PAIR, its ablations, then the baselines. */
    public static List<AdapterErasure> all() {
        return List.of(PAIR, DORA_RANDOM, LORA_RANDOM, FIDORA_UNPAIRED, ESD_X, CONCEPT_ABLATION);
    }

    /**
     * Returns the adapter method with an id.
     *
     * @throws IllegalArgumentException when no method has that id
     */
    public static AdapterErasure byId(String id) {
        for (AdapterErasure method : all()) {
            if (method.id.equals(id)) {
                return method;
            }
        }
        throw new IllegalArgumentException("Unknown adapter erasure method '" + id + "'; expected one of "
                + all().stream().map(AdapterErasure::id).toList());
    }

    @Override
    public String id() {
        return id;
    }

    /** Returns whether the adapter is DoRA rather than plain LoRA. */
    public boolean useDora() {
        return useDora;
    }

    /** Returns how the adapter starts. */
    public Initialization initialization() {
        return initialization;
    }

    /** Returns whether each unsafe prompt is realigned on the safe picture of its own pair. */
    public boolean paired() {
        return objective == RealignmentTrainer.Objective.PAIRED;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when the method needs Fisher estimates and the problem has none, or an
     *                                  unpaired method gets fewer than two pairs
     */
    @Override
    public ErasureResult train(ErasureProblem problem, RealignmentSettings settings, Path checkpoints,
            NDManager parent) {
        return train(problem, settings, checkpoints, TrainingControl.NONE, parent);
    }

    /**
     * Trains the method under a control that receives every step and checkpoint, may cancel the run, and may resume it
     * from the newest checkpoint in {@code checkpoints}. A resumed run draws the same batches, timesteps and noise as
     * an uninterrupted one and restores the optimizer's moments, so it ends with the same adapter up to
     * floating-point reordering.
     *
     * @param checkpoints the folder of the run's checkpoints, or null for none
     * @throws ErasureDivergedException    when a loss or gradient stops being finite
     * @throws TrainingCancelledException  when the control asks the run to stop
     * @throws java.io.UncheckedIOException when a checkpoint cannot be written, or the one to resume from cannot be
     *                                     read or belongs to a run with other inputs
     * @throws IllegalArgumentException    when the method needs Fisher estimates and the problem has none, or an
     *                                     unpaired method gets fewer than two pairs
     */
    public ErasureResult train(ErasureProblem problem, RealignmentSettings settings, Path checkpoints,
            TrainingControl control, NDManager parent) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(parent, "parent");
        Adapter adapter = createAdapter(problem, settings, parent);
        try {
            return new RealignmentTrainer(problem, settings, objective).train(id, adapter, checkpoints, control,
                    parent);
        } catch (RuntimeException e) {
            adapter.close();
            throw e;
        }
    }

    private Adapter createAdapter(ErasureProblem problem, RealignmentSettings settings, NDManager parent) {
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("method", id);
        provenance.put("concepts", String.join(",", problem.conceptIds()));
        provenance.put("pairs", Integer.toString(problem.pairs().size()));
        provenance.put("steps", Integer.toString(settings.steps()));
        provenance.put("training_seed", Long.toString(settings.seed()));
        AdapterConfig config = new AdapterConfig(settings.rank(), settings.alpha(), useDora,
                settings.targetModules(), problem.baseModelId(), provenance);
        if (initialization == Initialization.RANDOM) {
            return Adapter.initialize(config, problem.baseModel().weights(), parent, settings.seed());
        }
        if (problem.unsafeFisher().isEmpty()) {
            throw new IllegalArgumentException("Method " + id + " starts from the Fisher-weighted initialisation and"
                    + " needs Fisher estimates of the unsafe and the safe halves; none were given");
        }
        FisherEstimate unsafe = problem.unsafeFisher().orElseThrow();
        FisherEstimate safe = problem.safeFisher().orElseThrow();
        List<String> paths = TargetModules.select(problem.baseModel().layout(), settings.targetModules());
        double epsilon = settings.fisherDamping() * meanValue(safe, paths);
        config = config.withProvenance(Map.of("fisher_unsafe_samples", Long.toString(unsafe.sampleCount()),
                "fisher_safe_samples", Long.toString(safe.sampleCount()), "fisher_epsilon", Double.toString(epsilon)));
        try (NDManager scope = parent.newSubManager()) {
            Map<String, NDArray> unsafeMeans = unsafe.meanArrays(scope);
            Map<String, NDArray> safeMeans = safe.meanArrays(scope);
            return FidoraInitializer.initialize(config, problem.baseModel().weights(), unsafeMeans, safeMeans,
                    epsilon, parent);
        }
    }

    /**
     * Returns the mean Fisher value over the target modules, the scale against which the damping is set. A mean of
     * zero (no gradient at all) falls back to the smallest normal double, so the damping stays positive.
     */
    private static double meanValue(FisherEstimate estimate, List<String> paths) {
        double sum = 0;
        long count = 0;
        for (String path : paths) {
            if (!estimate.modules().contains(path)) {
                throw new IllegalArgumentException("The Fisher estimate " + estimate.key() + " has no values for "
                        + path + "; it covers " + estimate.modules());
            }
            for (double value : estimate.mean(path)) {
                sum += value;
                count++;
            }
        }
        return Math.max(sum / count, Double.MIN_NORMAL);
    }

    @Override
    public String toString() {
        return id;
    }
}
