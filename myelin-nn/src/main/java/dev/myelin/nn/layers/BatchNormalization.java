package dev.myelin.nn.layers;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.Arrays;
import java.util.Map;

/**
 * Batch normalization, Keras 3's {@code BatchNormalization}:
 * y = gamma * (x - mean) / sqrt(var + epsilon) + beta per channel of {@code axis} (default -1,
 * the last).
 * <ul>
 *   <li>Training (a training context and a trainable layer): mean and var are the batch's, over
 *       every axis but the channel axis, with the biased variance (dividing by n). Each step also
 *       updates the non-trainable weights moving_mean and moving_variance in place, outside
 *       autograd: moving = moving * momentum + batch * (1 - momentum). As in Keras 3 (and unlike
 *       PyTorch, which uses the unbiased n / (n - 1) estimate), the biased batch variance goes into
 *       moving_variance too.</li>
 *   <li>Inference, or a frozen layer ({@code trainable(false)}, as in Keras 3 fine-tuning): mean and
 *       var are the moving statistics.</li>
 * </ul>
 * With an input mask of shape (batch, steps) over a (batch, steps, channels) input, the batch
 * statistics count only the real steps, as Keras's masked moments do; the mask passes through.
 *
 * <pre>{@code
 * new Sequential(new InputLayer(28, 28, 1), new Conv2D(32, 3).useBias(false), new BatchNormalization(), new Activation("relu"))
 * }</pre>
 */
public final class BatchNormalization extends Layer {
    private final int axis;
    private float momentum = 0.99f, epsilon = 1e-3f;
    private boolean center = true, scale = true;
    private Initializer betaInit = Initializer.zeros(), gammaInit = Initializer.ones();
    private Initializer movingMeanInit = Initializer.zeros(), movingVarianceInit = Initializer.ones();
    private Regularizer betaReg, gammaReg;
    private Parameter gamma, beta, movingMean, movingVariance;
    private int channelAxis;     // in [1, rank), batch axis included
    private int[] broadcastShape; // (1, ..., channels, ..., 1), batch axis included
    private int[] reduceAxes;     // every axis but channelAxis

    /** Over the last axis. */
    public BatchNormalization() {
        this(-1);
    }

    /** Over {@code axis}, counted with the batch axis as 0; negative counts from the end. */
    public BatchNormalization(int axis) {
        if (axis == 0) throw new IllegalArgumentException("BatchNormalization: axis 0 is the batch axis; give the channel axis (default -1)");
        this.axis = axis;
    }

    /** Weight of the old moving statistics in each update (default 0.99). Returns this. */
    public BatchNormalization momentum(float value) {
        if (!(value >= 0 && value <= 1)) throw new IllegalArgumentException("BatchNormalization: momentum must be in [0, 1], got " + value);
        momentum = value;
        return this;
    }

    /** Added to the variance before the square root (default 1e-3). Returns this. */
    public BatchNormalization epsilon(float value) {
        if (!(value > 0)) throw new IllegalArgumentException("BatchNormalization: epsilon must be positive, got " + value);
        epsilon = value;
        return this;
    }

    /** Whether to add the offset beta (default true). Returns this. */
    public BatchNormalization center(boolean value) { center = value; return this; }

    /** Whether to multiply by gamma (default true). Returns this. */
    public BatchNormalization scale(boolean value) { scale = value; return this; }

    public BatchNormalization betaInitializer(Initializer init) { betaInit = init; return this; }

    public BatchNormalization gammaInitializer(Initializer init) { gammaInit = init; return this; }

    public BatchNormalization movingMeanInitializer(Initializer init) { movingMeanInit = init; return this; }

    public BatchNormalization movingVarianceInitializer(Initializer init) { movingVarianceInit = init; return this; }

    public BatchNormalization betaRegularizer(Regularizer r) { betaReg = r; return this; }

    public BatchNormalization gammaRegularizer(Regularizer r) { gammaReg = r; return this; }

    public int axis() { return axis; }

    public float momentum() { return momentum; }

    public float epsilon() { return epsilon; }

    public Parameter gamma() { return gamma; }

    public Parameter beta() { return beta; }

    public Parameter movingMean() { return movingMean; }

    public Parameter movingVariance() { return movingVariance; }

    private int resolveAxis(int[] inputShape) {
        int rank = inputShape.length + 1;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 1 || a >= rank) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " is out of range for input " + withBatch(inputShape)
                    + " (the batch axis 0 cannot be the channel axis)");
        }
        return a;
    }

    @Override
    protected void build(int[] inputShape) {
        channelAxis = resolveAxis(inputShape);
        int channels = inputShape[channelAxis - 1];
        if (channels < 0) {
            throw new IllegalArgumentException(describe() + ": axis " + axis + " of input " + withBatch(inputShape) + " must have a known size");
        }
        int rank = inputShape.length + 1;
        broadcastShape = new int[rank];
        Arrays.fill(broadcastShape, 1);
        broadcastShape[channelAxis] = channels;
        reduceAxes = new int[rank - 1];
        for (int i = 0, k = 0; i < rank; i++) if (i != channelAxis) reduceAxes[k++] = i;
        int[] shape = {channels};
        if (scale) gamma = addWeight("gamma", shape, gammaInit, gammaReg, true);
        if (center) beta = addWeight("beta", shape, betaInit, betaReg, true);
        movingMean = addWeight("moving_mean", shape, movingMeanInit, null, false);
        movingVariance = addWeight("moving_variance", shape, movingVarianceInit, null, false);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        resolveAxis(inputShape);
        return inputShape.clone();
    }

    /** Same rank as built and the same size on the channel axis; other sizes may vary. */
    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (builtInputShapes() == null) return;
        int[] built = builtInputShapes().get(0);
        if (shapeWithBatch.length != broadcastShape.length || shapeWithBatch[channelAxis] != broadcastShape[channelAxis]) {
            throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(built) + " (" + broadcastShape[channelAxis]
                    + " channels on axis " + channelAxis + "), got " + Shape.format(shapeWithBatch));
        }
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor mean, var;
        if (ctx.training() && trainable()) {
            Tensor m = maskWeights(x, ctx.mask());
            if (m == null) {
                mean = x.mean(reduceAxes, true);
                var = x.sub(mean).square().mean(reduceAxes, true);
            } else {
                // mean = sum(m x) / sum(m), var = sum(m (x - mean)^2) / sum(m), over the real steps only
                Tensor count = m.sum(reduceAxes, true).add(1e-7f);
                mean = x.mul(m).sum(reduceAxes, true).div(count);
                var = x.sub(mean).square().mul(m).sum(reduceAxes, true).div(count);
            }
            int channels = broadcastShape[channelAxis];
            try (var ignored = GradMode.noGrad()) {
                // moving = moving * momentum + batch * (1 - momentum)
                movingMean.value().mulInPlace(momentum).addScaledInPlace(1 - momentum, mean.detach().reshape(channels));
                movingVariance.value().mulInPlace(momentum).addScaledInPlace(1 - momentum, var.detach().reshape(channels));
            }
        } else {
            mean = movingMean.value().reshape(broadcastShape);
            var = movingVariance.value().reshape(broadcastShape);
        }
        Tensor inv = var.add(epsilon).rsqrt();
        if (gamma != null) inv = inv.mul(gamma.value().reshape(broadcastShape));
        Tensor y = x.sub(mean).mul(inv);
        if (beta != null) y = y.add(beta.value().reshape(broadcastShape));
        return y;
    }

    /** The mask (batch, ...) as weights (batch, ..., 1), for a channel axis that is last; null without a mask. */
    private Tensor maskWeights(Tensor x, Tensor mask) {
        if (mask == null) return null;
        int[] xs = x.shape();
        if (channelAxis != xs.length - 1 || !Arrays.equals(mask.shape(), Arrays.copyOf(xs, xs.length - 1))) {
            throw new IllegalArgumentException(describe() + ": a mask of shape " + Shape.format(mask.shape()) + " does not fit input "
                    + Shape.format(xs) + " with channel axis " + axis + "; masked statistics need the channels last and a mask of the"
                    + " input's shape without them");
        }
        return mask.toFloat().unsqueeze(-1);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("axis", axis);
        m.put("momentum", (double) momentum);
        m.put("epsilon", (double) epsilon);
        m.put("center", center);
        m.put("scale", scale);
        m.put("beta_initializer", betaInit.config());
        m.put("gamma_initializer", gammaInit.config());
        m.put("synchronized", false); // Keras's key for cross-replica statistics; one process here
        m.put("moving_mean_initializer", movingMeanInit.config());
        m.put("moving_variance_initializer", movingVarianceInit.config());
        if (betaReg != null) m.put("beta_regularizer", betaReg.config());
        if (gammaReg != null) m.put("gamma_regularizer", gammaReg.config());
        return m;
    }

    public static BatchNormalization fromConfig(Map<String, Object> c) {
        BatchNormalization b = new BatchNormalization(Config.getInt(c, "axis", -1));
        b.momentum(Config.getFloat(c, "momentum", 0.99f));
        b.epsilon(Config.getFloat(c, "epsilon", 1e-3f));
        b.center(Config.getBool(c, "center", true));
        b.scale(Config.getBool(c, "scale", true));
        if (c.get("beta_initializer") != null) b.betaInitializer(Initializer.fromConfig(c.get("beta_initializer")));
        if (c.get("gamma_initializer") != null) b.gammaInitializer(Initializer.fromConfig(c.get("gamma_initializer")));
        if (c.get("moving_mean_initializer") != null) b.movingMeanInitializer(Initializer.fromConfig(c.get("moving_mean_initializer")));
        if (c.get("moving_variance_initializer") != null) b.movingVarianceInitializer(Initializer.fromConfig(c.get("moving_variance_initializer")));
        b.betaRegularizer(Regularizer.fromConfig(c.get("beta_regularizer")));
        b.gammaRegularizer(Regularizer.fromConfig(c.get("gamma_regularizer")));
        return withBaseConfig(b, c);
    }
}
