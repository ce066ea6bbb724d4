package dev.pairstream.erasure.optim;

/**
 * Hyper-parameters of {@link AdamW}, with PyTorch's {@code torch.optim.AdamW} names in the Javadoc.
 *
 * @param beta1       decay of the first-moment average ({@code betas[0]}), in [0, 1)
 * @param beta2       decay of the second-moment average ({@code betas[1]}), in [0, 1)
 * @param epsilon     term added to the root of the second moment ({@code eps}), greater than 0
 * @param weightDecay decoupled weight decay per unit of learning rate ({@code weight_decay}), 0 or more
 */
public record AdamWOptions(double beta1, double beta2, double epsilon, double weightDecay) {

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the invalid field, its value and the accepted range
     */
    public AdamWOptions {
        requireUnitInterval(beta1, "beta1");
        requireUnitInterval(beta2, "beta2");
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("Invalid AdamW epsilon " + epsilon + "; expected a finite number > 0");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("Invalid AdamW weightDecay " + weightDecay
                    + "; expected a finite number >= 0");
        }
    }

    /** Returns PyTorch's defaults: betas (0.9, 0.999), eps 1e-8 and weight decay 0.01. */
    public static AdamWOptions defaults() {
        return new AdamWOptions(0.9, 0.999, 1e-8, 0.01);
    }

    private static void requireUnitInterval(double value, String name) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("Invalid AdamW " + name + " " + value + "; expected a number in [0, 1)");
        }
    }
}
