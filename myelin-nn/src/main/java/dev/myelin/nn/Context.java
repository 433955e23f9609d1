package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What one forward pass knows beyond its inputs: training or inference (dropout, batch
 * normalization), the generator for dropout masks, the input's mask (padding positions, from an
 * Embedding with maskZero), and the extra losses layers add (activity regularizers).
 */
public final class Context {
    private final boolean training;
    private final Rng rng;
    private final Tensor mask;
    private final List<Tensor> losses;

    private Context(boolean training, Rng rng, Tensor mask, List<Tensor> losses) {
        this.training = training;
        this.rng = rng;
        this.mask = mask;
        this.losses = losses;
    }

    /** Inference: no dropout, batch normalization uses its moving statistics. */
    public static Context inference() {
        return new Context(false, null, null, new ArrayList<>());
    }

    /** Training, drawing dropout masks from {@code rng}. */
    public static Context training(Rng rng) {
        return new Context(true, rng, null, new ArrayList<>());
    }

    public boolean training() {
        return training;
    }

    /** The generator for random masks; only in training. */
    public Rng rng() {
        if (rng == null) throw new IllegalStateException("no random generator in an inference context");
        return rng;
    }

    /**
     * The mask of the current input, or null: shape (batch, time), 1 for real steps, 0 for padding.
     */
    public Tensor mask() {
        return mask;
    }

    /** The same context with another input mask. */
    public Context withMask(Tensor newMask) {
        return newMask == mask ? this : new Context(training, rng, newMask, losses);
    }

    /** Adds a loss term (a scalar tensor) to the total the training step minimises. */
    public void addLoss(Tensor loss) {
        losses.add(loss);
    }

    /** Loss terms added during this pass. */
    public List<Tensor> losses() {
        return losses;
    }
}
