package dev.myelin.nn.losses;

import dev.myelin.core.DType;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Config;

import java.util.Arrays;
import java.util.Map;

/**
 * Keras's {@code SparseCategoricalCrossentropy}: -log p[label] with integer class labels.
 * Predictions are probabilities (after a softmax), rescaled to sum to 1 and clipped to
 * [1e-7, 1 - 1e-7] as Keras does, or, with {@code fromLogits}, raw scores (log p = logSoftmax,
 * faster and more stable). Predictions (batch, classes) take labels (batch,) or (batch, 1);
 * sequence predictions (batch, time, classes) take labels (batch, time) or (batch, time, 1) and
 * give each sample the mean over its time steps. Labels are int tensors or whole-number floats.
 *
 * <pre>{@code model.compile(new Adam(), new SparseCategoricalCrossentropy(true));}</pre>
 */
public final class SparseCategoricalCrossentropy extends Loss {
    private final boolean fromLogits;

    public SparseCategoricalCrossentropy() {
        this(false);
    }

    public SparseCategoricalCrossentropy(boolean fromLogits) {
        this.fromLogits = fromLogits;
    }

    public boolean fromLogits() {
        return fromLogits;
    }

    @Override
    public Tensor perSample(Tensor yTrue, Tensor yPred) {
        int[] ps = yPred.shape(), ts = yTrue.shape();
        if (ps.length < 2) {
            throw new IllegalArgumentException(name() + ": predictions must be (batch, classes) or (batch, ..., classes), got "
                    + Shape.format(ps));
        }
        int classes = ps[ps.length - 1];
        int[] ids = Arrays.copyOf(ps, ps.length - 1); // the label shape: predictions without the class axis
        boolean fits = Shape.equal(ts, ids) || Shape.equal(ts, withOne(ids));
        if (!fits) {
            String hint = classes > 1 && Shape.equal(ts, ps)
                    ? "; labels of the predictions' shape look one-hot: use CategoricalCrossentropy for them" : "";
            throw new IllegalArgumentException(name() + ": labels of shape " + Shape.format(ts) + " do not fit predictions of shape "
                    + Shape.format(ps) + ": expected integer class ids of shape " + Shape.format(ids) + " or "
                    + Shape.format(withOne(ids)) + hint);
        }
        float[] labels = yTrue.toFloatArray();
        float[] mask = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) {
            float l = labels[i];
            if (l != Math.rint(l) || l < 0 || l >= classes) {
                String where = ids.length == 1 ? i + " in the batch" : LossSupport.coordinates(i, ids);
                throw new IllegalArgumentException(name() + ": label " + l + " (position " + where + ") is not a class id in [0, " + classes + ")"
                        + (yTrue.dtype() == DType.FLOAT32 && l > 0 && l < 1 ? "; soft or one-hot labels need CategoricalCrossentropy" : ""));
            }
            mask[i * classes + (int) l] = 1f;
        }
        Tensor oneHot = Tensor.wrap(mask, ps);
        Tensor logp;
        if (fromLogits) {
            logp = yPred.logSoftmax(-1);
        } else {
            Tensor p = yPred.div(yPred.sum(new int[]{-1}, true)); // rescale to sum to 1, as Keras does
            logp = p.clamp(LossSupport.EPSILON, 1f - LossSupport.EPSILON).log();
        }
        return meanPerSample(logp.mul(oneHot).sum(new int[]{-1}, false).neg());
    }

    private static int[] withOne(int[] s) {
        int[] r = Arrays.copyOf(s, s.length + 1);
        r[s.length] = 1;
        return r;
    }

    @Override
    public String name() {
        return "sparse_categorical_crossentropy";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("from_logits", fromLogits);
        return m;
    }

    public static SparseCategoricalCrossentropy fromConfig(Map<String, Object> config) {
        return new SparseCategoricalCrossentropy(Config.getBool(config, "from_logits", false));
    }
}
