package dev.myelin.nn.losses;

import dev.myelin.core.DType;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.Map;

/**
 * Cross-entropy with integer class labels: -log p[label]. Predictions are probabilities (after a
 * softmax) or, with {@code fromLogits}, raw scores, which is faster and more stable.
 * Labels have shape (batch,) or (batch, 1), as int or integral floats.
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
        if (yPred.rank() < 2) {
            throw new IllegalArgumentException(name() + ": predictions must be (batch, classes), got " + Shape.format(yPred.shape()));
        }
        int batch = yPred.size(0), classes = yPred.size(-1);
        int[] ts = yTrue.shape();
        boolean ok = (ts.length == 1 && ts[0] == batch) || (ts.length == 2 && ts[0] == batch && ts[1] == 1);
        if (!ok || yPred.rank() != 2) {
            throw new IllegalArgumentException(name() + ": labels of shape " + Shape.format(ts) + " do not fit predictions of shape "
                    + Shape.format(yPred.shape()) + ": expected integer class ids of shape (" + batch + ",) or (" + batch + ", 1)");
        }
        float[] labels = yTrue.toFloatArray();
        float[] mask = new float[batch * classes];
        for (int i = 0; i < batch; i++) {
            float l = labels[i];
            if (l != Math.rint(l) || l < 0 || l >= classes) {
                throw new IllegalArgumentException(name() + ": label " + l + " (position " + i + " in the batch) is not a class id in [0, " + classes + ")"
                        + (yTrue.dtype() == DType.FLOAT32 && classes > 1 && ts.length == 2 ? "; for one-hot labels use CategoricalCrossentropy" : ""));
            }
            mask[i * classes + (int) l] = 1f;
        }
        Tensor oneHot = Tensor.of(mask, batch, classes);
        Tensor logp = fromLogits ? yPred.logSoftmax(-1) : yPred.clamp(1e-7f, 1f - 1e-7f).log();
        return logp.mul(oneHot).sum(new int[]{1}, false).neg();
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
}
