package dev.myelin.nn.layers;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;
import dev.myelin.nn.regularizers.Regularizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Layer normalization, Keras 3's {@code LayerNormalization}: each sample is normalised over
 * {@code axis} (default -1, the features), y = gamma * (x - mean) / sqrt(var + epsilon) + beta,
 * with mean and the biased variance taken over those axes per sample and gamma, beta of the
 * shape of those axes. The same in training and inference.
 *
 * <pre>{@code new LayerNormalization().epsilon(1e-6f)     // (b, t, 64): each (b, t) row normalised over 64 features}</pre>
 */
public final class LayerNormalization extends Layer {
    private final int[] axis;
    private float epsilon = 1e-3f;
    private boolean center = true, scale = true;
    private Initializer betaInit = Initializer.zeros(), gammaInit = Initializer.ones();
    private Regularizer betaReg, gammaReg;
    private Parameter gamma, beta;
    private int[] axes;           // resolved and sorted, batch axis included
    private int[] broadcastShape; // sizes on axes, 1 elsewhere

    /** Over the last axis. */
    public LayerNormalization() {
        this(-1);
    }

    /** Over these axes, counted with the batch axis as 0; negative count from the end. */
    public LayerNormalization(int... axis) {
        if (axis.length == 0) throw new IllegalArgumentException("LayerNormalization: give at least one axis");
        for (int a : axis) {
            if (a == 0) throw new IllegalArgumentException("LayerNormalization: axis 0 is the batch axis, got " + Arrays.toString(axis));
        }
        this.axis = axis.clone();
    }

    /** Added to the variance before the square root (default 1e-3). Returns this. */
    public LayerNormalization epsilon(float value) {
        if (!(value > 0)) throw new IllegalArgumentException("LayerNormalization: epsilon must be positive, got " + value);
        epsilon = value;
        return this;
    }

    public LayerNormalization center(boolean value) { center = value; return this; }

    public LayerNormalization scale(boolean value) { scale = value; return this; }

    public LayerNormalization betaInitializer(Initializer init) { betaInit = init; return this; }

    public LayerNormalization gammaInitializer(Initializer init) { gammaInit = init; return this; }

    public LayerNormalization betaRegularizer(Regularizer r) { betaReg = r; return this; }

    public LayerNormalization gammaRegularizer(Regularizer r) { gammaReg = r; return this; }

    public int[] axis() { return axis.clone(); }

    public float epsilon() { return epsilon; }

    public Parameter gamma() { return gamma; }

    public Parameter beta() { return beta; }

    /** The axes in [1, rank), sorted, for an input of this shape (no batch axis). */
    private int[] resolve(int[] inputShape) {
        int rank = inputShape.length + 1;
        int[] r = new int[axis.length];
        for (int i = 0; i < axis.length; i++) {
            r[i] = axis[i] < 0 ? axis[i] + rank : axis[i];
            if (r[i] < 1 || r[i] >= rank) {
                throw new IllegalArgumentException(describe() + ": axis " + Arrays.toString(axis) + " is out of range for input "
                        + withBatch(inputShape) + " (the batch axis 0 cannot be normalised over)");
            }
        }
        Arrays.sort(r);
        for (int i = 1; i < r.length; i++) {
            if (r[i] == r[i - 1]) throw new IllegalArgumentException(describe() + ": axis " + Arrays.toString(axis) + " names an axis twice");
        }
        return r;
    }

    @Override
    protected void build(int[] inputShape) {
        axes = resolve(inputShape);
        broadcastShape = new int[inputShape.length + 1];
        Arrays.fill(broadcastShape, 1);
        int[] shape = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            shape[i] = inputShape[axes[i] - 1];
            if (shape[i] < 0) {
                throw new IllegalArgumentException(describe() + ": the normalised axes of input " + withBatch(inputShape) + " must have known sizes");
            }
            broadcastShape[axes[i]] = shape[i];
        }
        if (scale) gamma = addWeight("gamma", shape, gammaInit, gammaReg, true);
        if (center) beta = addWeight("beta", shape, betaInit, betaReg, true);
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        resolve(inputShape);
        return inputShape.clone();
    }

    /** Same rank as built and the same sizes on the normalised axes. */
    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (builtInputShapes() == null) return;
        boolean ok = shapeWithBatch.length == broadcastShape.length;
        for (int i = 0; ok && i < axes.length; i++) ok = shapeWithBatch[axes[i]] == broadcastShape[axes[i]];
        if (!ok) {
            throw new IllegalArgumentException(describe() + ": expected input shape " + withBatch(builtInputShapes().get(0))
                    + ", got " + Shape.format(shapeWithBatch));
        }
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor mean = x.mean(axes, true);
        Tensor centred = x.sub(mean);
        Tensor inv = centred.square().mean(axes, true).add(epsilon).rsqrt();
        Tensor y = centred.mul(inv);
        if (gamma != null) y = y.mul(gamma.value().reshape(broadcastShape));
        if (beta != null) y = y.add(beta.value().reshape(broadcastShape));
        return y;
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    /** Keras's keys; "axis" is an int for one axis, else a list. */
    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("axis", axis.length == 1 ? (Object) axis[0] : Config.list(axis));
        m.put("epsilon", (double) epsilon);
        m.put("center", center);
        m.put("scale", scale);
        m.put("rms_scaling", false);
        m.put("beta_initializer", betaInit.config());
        m.put("gamma_initializer", gammaInit.config());
        if (betaReg != null) m.put("beta_regularizer", betaReg.config());
        if (gammaReg != null) m.put("gamma_regularizer", gammaReg.config());
        return m;
    }

    public static LayerNormalization fromConfig(Map<String, Object> c) {
        if (Config.getBool(c, "rms_scaling", false)) {
            throw new IllegalArgumentException("LayerNormalization: rms_scaling is not supported; use center and scale");
        }
        Object a = c.get("axis");
        LayerNormalization l = a instanceof List<?> ? new LayerNormalization(Config.getInts(c, "axis"))
                : new LayerNormalization(Config.getInt(c, "axis", -1));
        l.epsilon(Config.getFloat(c, "epsilon", 1e-3f));
        l.center(Config.getBool(c, "center", true));
        l.scale(Config.getBool(c, "scale", true));
        if (c.get("beta_initializer") != null) l.betaInitializer(Initializer.fromConfig(c.get("beta_initializer")));
        if (c.get("gamma_initializer") != null) l.gammaInitializer(Initializer.fromConfig(c.get("gamma_initializer")));
        l.betaRegularizer(Regularizer.fromConfig(c.get("beta_regularizer")));
        l.gammaRegularizer(Regularizer.fromConfig(c.get("gamma_regularizer")));
        return withBaseConfig(l, c);
    }
}
