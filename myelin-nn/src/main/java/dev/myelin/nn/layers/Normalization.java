package dev.myelin.nn.layers;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Standardizes features with constants fitted on training data, Keras 3's {@code Normalization}:
 * {@code y = (x - mean) / max(sqrt(variance), 1e-7)}, or with {@code invert(true)}
 * {@code y = mean + x * max(sqrt(variance), 1e-7)}, with a separate mean and variance for each
 * index of the {@code axis} (default -1, the last; counted with the batch axis as 0; no axes gives
 * one scalar mean and variance for everything).
 *
 * <p>The constants come from one of two places:
 * <ul>
 *   <li>{@link #adapt(Tensor)} (or {@link #adapt(Iterable)} over batches that do not fit in memory
 *       together) computes the population mean and variance over every other axis, in double. They
 *       are stored in the non-trainable weights "mean", "variance" and "count" (the number of values
 *       reduced per feature, as a float), so they are saved with the model and a model loaded
 *       later normalizes new raw data with the same constants. Using the layer before adapt, with
 *       count still 0, is an error.</li>
 *   <li>Given to the constructor: they are then configuration (the "mean" and "variance" config
 *       keys), not weights, as in Keras. A single value is used for every feature; otherwise give
 *       one value per index of the kept axes, flattened row-major.</li>
 * </ul>
 * Gradients flow through to the input; the constants never change in training.
 *
 * <pre>{@code
 * Normalization norm = new Normalization();
 * norm.adapt(trainX);                                      // (n, features)
 * Sequential model = new Sequential(new InputLayer(features), norm, new Dense(1));
 * }</pre>
 */
public final class Normalization extends Layer implements FeatureStats.Adaptable {
    /** Keras's {@code backend.epsilon()}, the floor on the standard deviation. */
    static final float EPSILON = 1e-7f;

    private final int[] axis;
    private final float[] givenMean, givenVariance;
    private boolean invert;
    private Parameter mean, variance, count;
    private int[] keep, statShape, broadcast;
    private Tensor constMean, constStd; // broadcast shape, for given constants

    /** Per index of the last axis, fitted with {@link #adapt}. */
    public Normalization() {
        this(new int[]{-1}, null, null);
    }

    /**
     * Per index of these axes (batch axis 0; negative from the end), fitted with {@link #adapt};
     * {@code new Normalization(new int[0])} keeps no axis: one mean and variance for all values.
     */
    public Normalization(int... axis) {
        this(axis, null, null);
    }

    /** With given constants for the last axis: one value each, or one per feature. */
    public Normalization(float[] mean, float[] variance) {
        this(new int[]{-1}, mean, variance);
    }

    /** With given constants for these axes: one value each, or one per index of the kept axes (row-major). */
    public Normalization(int[] axis, float[] mean, float[] variance) {
        if (axis == null) throw new IllegalArgumentException("Normalization: axis must not be null; give new int[0] for one scalar mean and variance");
        if ((mean == null) != (variance == null)) {
            throw new IllegalArgumentException("Normalization: give both mean and variance, or neither (and call adapt); got "
                    + (mean == null ? "no mean" : "a mean") + " and " + (variance == null ? "no variance" : "a variance"));
        }
        if (mean != null) {
            if (mean.length == 0 || mean.length != variance.length) {
                throw new IllegalArgumentException("Normalization: mean and variance must have the same, non-zero number of values, got "
                        + mean.length + " and " + variance.length);
            }
            for (float v : variance) {
                if (!(v >= 0) || Float.isInfinite(v)) throw new IllegalArgumentException("Normalization: variance values must be finite and >= 0, got " + Arrays.toString(variance));
            }
        }
        this.axis = axis.clone();
        this.givenMean = mean == null ? null : mean.clone();
        this.givenVariance = variance == null ? null : variance.clone();
    }

    /** Whether to undo the normalization instead (turn normalized values back into raw ones). Returns this. */
    public Normalization invert(boolean value) {
        invert = value;
        return this;
    }

    public boolean invert() {
        return invert;
    }

    /** The axes as given (batch axis 0). */
    public int[] axis() {
        return axis.clone();
    }

    /** The fitted mean, or null with given constants (and before the layer is built). */
    public Parameter mean() {
        return mean;
    }

    public Parameter variance() {
        return variance;
    }

    /** How many values per feature adapt reduced over; 0 before adapt. */
    public Parameter count() {
        return count;
    }

    /** Whether the constants are known: given, or fitted by adapt (count > 0). */
    public boolean isAdapted() {
        if (givenMean != null) return true;
        return count != null && count.value().item() > 0;
    }

    @Override
    public int[] keptAxes() {
        return keep.clone();
    }

    @Override
    public int[] statisticsShape() {
        return statShape.clone();
    }

    @Override
    protected void build(int[] inputShape) {
        keep = FeatureStats.keptAxes(this, axis, inputShape);
        statShape = FeatureStats.keptShape(inputShape, keep);
        broadcast = FeatureStats.broadcastShape(inputShape, keep);
        int n = Shape.numel(statShape);
        if (givenMean == null) {
            mean = addWeight("mean", statShape, Initializer.zeros(), null, false);
            variance = addWeight("variance", statShape, Initializer.ones(), null, false);
            count = addWeight("count", new int[0], Initializer.zeros(), null, false);
            return;
        }
        if (givenMean.length != 1 && givenMean.length != n) {
            throw new IllegalArgumentException(describe() + ": mean and variance have " + givenMean.length + " values; input "
                    + withBatch(inputShape) + " needs 1 or " + n + " (one per index of the kept axes, shape "
                    + Shape.format(statShape) + ")");
        }
        float[] m = new float[n], sd = new float[n];
        for (int i = 0; i < n; i++) {
            int k = givenMean.length == 1 ? 0 : i;
            m[i] = givenMean[k];
            sd[i] = Math.max((float) Math.sqrt(givenVariance[k]), EPSILON);
        }
        constMean = Tensor.of(m).reshape(broadcast);
        constStd = Tensor.of(sd).reshape(broadcast);
    }

    /**
     * Fits mean and variance to {@code data} (batch axis first; any rank the layer accepts),
     * replacing earlier values. Builds the layer from the data's shape if it is not built yet.
     */
    public void adapt(Tensor data) {
        adapt(List.of(data));
    }

    /** Fits mean and variance to all these batches together, as if they were one array, in one pass over them. */
    public void adapt(Iterable<Tensor> batches) {
        if (givenMean != null) {
            throw new IllegalStateException(describe() + ": mean and variance were given to the constructor; adapt works on a layer made without them");
        }
        FeatureStats.Accumulator acc = FeatureStats.accumulate(this, batches, this);
        mean.assign(FeatureStats.tensor(acc.mean, statShape));
        variance.assign(FeatureStats.tensor(acc.variance(), statShape));
        count.assign(Tensor.scalar((float) acc.count));
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        FeatureStats.keptAxes(this, axis, inputShape);
        return inputShape.clone();
    }

    @Override
    protected void checkInput(int index, int[] shapeWithBatch) {
        if (builtInputShapes() == null) return;
        FeatureStats.checkFeatures(this, "input", builtInputShapes().get(0), keep, shapeWithBatch);
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        Tensor m, sd;
        if (givenMean != null) {
            m = constMean;
            sd = constStd;
        } else {
            if (count.value().item() <= 0) {
                throw new IllegalStateException(describe() + " is not adapted: call adapt(data) on training data before using it,"
                        + " or construct it with a mean and variance");
            }
            m = mean.value().reshape(broadcast);
            sd = variance.value().sqrt().clamp(EPSILON, Float.MAX_VALUE).reshape(broadcast);
        }
        Tensor xf = x.toFloat();
        return invert ? xf.mul(sd).add(m) : xf.sub(m).div(sd);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = super.config();
        c.put("axis", Config.list(axis));
        c.put("invert", invert);
        c.put("mean", givenMean == null ? null : givenMean.length == 1 ? (Object) (double) givenMean[0] : FeatureStats.list(givenMean));
        c.put("variance", givenVariance == null ? null : givenVariance.length == 1 ? (Object) (double) givenVariance[0] : FeatureStats.list(givenVariance));
        return c;
    }

    public static Normalization fromConfig(Map<String, Object> c) {
        int[] axis = c.containsKey("axis") && c.get("axis") == null ? new int[0] : Config.getInts(c, "axis", new int[]{-1});
        Normalization n = new Normalization(axis, FeatureStats.readValues(c, "mean"), FeatureStats.readValues(c, "variance"));
        n.invert(Config.getBool(c, "invert", false));
        return withBaseConfig(n, c);
    }
}
