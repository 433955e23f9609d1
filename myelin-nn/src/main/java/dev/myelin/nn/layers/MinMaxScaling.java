package dev.myelin.nn.layers;

import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;

import java.util.List;
import java.util.Map;

/**
 * Min-max scaling fitted on training data, like scikit-learn's {@code MinMaxScaler} (Keras has no
 * such layer): {@link #adapt} finds each feature's minimum and maximum, and the layer maps
 * {@code y = low + (x - data_min) * (high - low) / (data_max - data_min)}, so the training data
 * lands in {@code featureRange} (default [0, 1]). New data outside the training range lands
 * outside it too: nothing is clipped.
 *
 * <p>A constant feature (data_max == data_min) would divide by zero; as scikit-learn does, its
 * range counts as 1, so its training value maps to {@code low} and other values move by their
 * distance from it.
 *
 * <p>Features are the indices of {@code axis} (batch axis 0, default -1), as for
 * {@link Normalization}. The fitted constants are non-trainable weights "data_min", "data_max"
 * and "count" (values reduced per feature), saved with the model; using the layer before adapt is
 * an error.
 *
 * <pre>{@code
 * MinMaxScaling scale = new MinMaxScaling().featureRange(-1, 1);
 * scale.adapt(trainX);
 * }</pre>
 */
public final class MinMaxScaling extends Layer implements FeatureStats.Adaptable {
    private final int[] axis;
    private float low = 0f, high = 1f;
    private Parameter dataMin, dataMax, count;
    private int[] keep, statShape, broadcast;

    /** Per index of the last axis. */
    public MinMaxScaling() {
        this(-1);
    }

    /** Per index of these axes (batch axis 0; negative from the end); no axes: one minimum and maximum for all values. */
    public MinMaxScaling(int... axis) {
        if (axis == null) throw new IllegalArgumentException("MinMaxScaling: axis must not be null");
        this.axis = axis.clone();
    }

    /** The range the training data is mapped to (default [0, 1]). Returns this. */
    public MinMaxScaling featureRange(float low, float high) {
        if (!(low < high) || !Float.isFinite(low) || !Float.isFinite(high)) {
            throw new IllegalArgumentException("MinMaxScaling: feature range must be finite with low < high, got (" + low + ", " + high + ")");
        }
        this.low = low;
        this.high = high;
        return this;
    }

    public float[] featureRange() {
        return new float[]{low, high};
    }

    public int[] axis() {
        return axis.clone();
    }

    public Parameter dataMin() {
        return dataMin;
    }

    public Parameter dataMax() {
        return dataMax;
    }

    public Parameter count() {
        return count;
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
        dataMin = addWeight("data_min", statShape, Initializer.zeros(), null, false);
        dataMax = addWeight("data_max", statShape, Initializer.ones(), null, false);
        count = addWeight("count", new int[0], Initializer.zeros(), null, false);
    }

    /** Fits each feature's minimum and maximum to {@code data} (batch axis first), building the layer if needed. */
    public void adapt(Tensor data) {
        adapt(List.of(data));
    }

    /** Fits the minima and maxima of all these batches together, in one pass. */
    public void adapt(Iterable<Tensor> batches) {
        FeatureStats.Accumulator acc = FeatureStats.accumulate(this, batches, this);
        dataMin.assign(FeatureStats.tensor(acc.min, statShape));
        dataMax.assign(FeatureStats.tensor(acc.max, statShape));
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
        if (count.value().item() <= 0) {
            throw new IllegalStateException(describe() + " is not adapted: call adapt(data) on training data before using it");
        }
        float[] lo = dataMin.value().toFloatArray(), hi = dataMax.value().toFloatArray();
        float[] scale = new float[lo.length];
        for (int i = 0; i < lo.length; i++) {
            float range = hi[i] - lo[i];
            scale[i] = (high - low) / (range == 0f ? 1f : range); // a constant feature keeps range 1 (scikit-learn)
        }
        Tensor min = dataMin.value().reshape(broadcast);
        Tensor s = Tensor.of(scale).reshape(broadcast);
        return x.toFloat().sub(min).mul(s).add(low);
    }

    @Override
    protected boolean supportsMasking() {
        return true;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("axis", Config.list(axis));
        m.put("feature_range", ImageTransforms.pair(new float[]{low, high}));
        return m;
    }

    public static MinMaxScaling fromConfig(Map<String, Object> c) {
        int[] axis = c.containsKey("axis") && c.get("axis") == null ? new int[0] : Config.getInts(c, "axis", new int[]{-1});
        MinMaxScaling s = new MinMaxScaling(axis);
        float[] r = ImageTransforms.readRange(c, "feature_range", new float[]{0f, 1f});
        s.featureRange(r[0], r[1]);
        return withBaseConfig(s, c);
    }
}
