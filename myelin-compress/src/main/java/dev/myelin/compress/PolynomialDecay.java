package dev.myelin.compress;

/**
 * The sparsity schedule of gradual pruning (Zhu and Gupta 2017, TF-MOT's {@code PolynomialDecay}):
 * from {@code beginStep} to {@code endStep} the sparsity rises from {@code initialSparsity} to
 * {@code finalSparsity} as
 * <pre>
 * s(t) = final + (initial - final) * (1 - (t - begin) / (end - begin))^power
 * </pre>
 * fast at first, while many redundant weights remain, then slower. The masks are recomputed every
 * {@code frequency} steps from {@code beginStep} on and at {@code endStep}; before
 * {@code beginStep} nothing is pruned, after {@code endStep} the sparsity stays final.
 *
 * <pre>{@code new PolynomialDecay(0f, 0.8f, 0, 1000, 3f, 100)}</pre>
 */
public record PolynomialDecay(float initialSparsity, float finalSparsity, int beginStep, int endStep, float power, int frequency) {

    public PolynomialDecay {
        if (!(initialSparsity >= 0 && initialSparsity < 1) || !(finalSparsity >= 0 && finalSparsity < 1)) {
            throw new IllegalArgumentException("PolynomialDecay: sparsities must be in [0, 1), got " + initialSparsity + " and " + finalSparsity);
        }
        if (beginStep < 0 || endStep <= beginStep) {
            throw new IllegalArgumentException("PolynomialDecay: need 0 <= beginStep < endStep, got " + beginStep + " and " + endStep);
        }
        if (!(power > 0) || frequency < 1) throw new IllegalArgumentException("PolynomialDecay: power must be > 0 and frequency >= 1, got " + power + " and " + frequency);
    }

    /** The cubic schedule with masks updated every {@code frequency} steps. */
    public static PolynomialDecay cubic(float initialSparsity, float finalSparsity, int beginStep, int endStep, int frequency) {
        return new PolynomialDecay(initialSparsity, finalSparsity, beginStep, endStep, 3f, frequency);
    }

    /** The scheduled sparsity at step t (0 before beginStep). */
    public float sparsity(int step) {
        if (step < beginStep) return 0f;
        double progress = Math.min(1.0, (step - beginStep) / (double) (endStep - beginStep));
        return (float) (finalSparsity + (initialSparsity - finalSparsity) * Math.pow(1 - progress, power));
    }

    /** Whether the masks are recomputed at step t. */
    public boolean updatesAt(int step) {
        return step >= beginStep && step <= endStep && ((step - beginStep) % frequency == 0 || step == endStep);
    }
}
