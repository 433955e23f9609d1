package dev.myelin.plot;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

/**
 * Counts of true class against predicted class: {@code counts[t][p]} is the number of samples of
 * class {@code t} predicted as class {@code p} (rows true, columns predicted, as scikit-learn's
 * {@code confusion_matrix}); the diagonal holds the correct predictions.
 *
 * <pre>{@code int[][] counts = ConfusionMatrix.compute(yTest, model.predict(xTest), 10);
 * Plots.confusionMatrix(counts, null, Path.of("confusion.png"));}</pre>
 */
public final class ConfusionMatrix {
    private ConfusionMatrix() {}

    /**
     * From labels and a model's outputs. {@code yTrue} holds class ids, shape (n) or (n, 1), or
     * one-hot rows, shape (n, classes). {@code yPredProbs} holds a score per class, shape
     * (n, classes), and the predicted class is the highest (the first of equal ones); for two
     * classes it may also be one probability of class 1 per sample, shape (n) or (n, 1), predicted
     * as class 1 above 0.5, as Keras's binary accuracy does. Leading axes beyond the sample axis
     * (a class per time step, say) are flattened. Integer-typed predictions are taken as class ids.
     */
    public static int[][] compute(Tensor yTrue, Tensor yPredProbs, int classes) {
        if (yTrue == null || yPredProbs == null) throw new IllegalArgumentException("ConfusionMatrix: yTrue and yPredProbs must not be null");
        if (classes < 1) throw new IllegalArgumentException("ConfusionMatrix: classes must be at least 1, got " + classes);
        int[] predicted = predictedIds(yPredProbs, classes);
        int[] truth = trueIds(yTrue, predicted.length, classes, yPredProbs);
        return compute(truth, predicted, classes);
    }

    /** From class ids, one per sample; every id must lie in [0, classes). */
    public static int[][] compute(int[] yTrue, int[] yPred, int classes) {
        if (yTrue == null || yPred == null) throw new IllegalArgumentException("ConfusionMatrix: yTrue and yPred must not be null");
        if (classes < 1) throw new IllegalArgumentException("ConfusionMatrix: classes must be at least 1, got " + classes);
        if (yTrue.length != yPred.length) {
            throw new IllegalArgumentException("ConfusionMatrix: " + yTrue.length + " true labels but " + yPred.length + " predictions");
        }
        int[][] counts = new int[classes][classes];
        for (int i = 0; i < yTrue.length; i++) {
            checkId("true label", i, yTrue[i], classes);
            checkId("prediction", i, yPred[i], classes);
            counts[yTrue[i]][yPred[i]]++;
        }
        return counts;
    }

    private static void checkId(String what, int index, int id, int classes) {
        if (id < 0 || id >= classes) {
            throw new IllegalArgumentException("ConfusionMatrix: " + what + " " + index + " is class " + id + ", outside [0, " + classes + ")");
        }
    }

    private static int[] predictedIds(Tensor y, int classes) {
        if (!y.dtype().isFloating()) return wholeIds(y.toFloatArray(), "prediction");
        if (y.rank() >= 2 && y.size(-1) == classes && classes > 1) return argmaxRows(y.toFloatArray(), classes);
        if (y.rank() == 1 || (y.rank() == 2 && y.size(-1) == 1)) {
            if (classes != 2) {
                throw new IllegalArgumentException("ConfusionMatrix: predictions of shape " + Shape.format(y.shape()) + " hold one probability per sample, which fits 2 classes, not "
                        + classes + "; give a score per class, shape (n, " + classes + ")");
            }
            float[] p = y.toFloatArray();
            int[] ids = new int[p.length];
            for (int i = 0; i < p.length; i++) ids[i] = p[i] > 0.5f ? 1 : 0;
            return ids;
        }
        throw new IllegalArgumentException("ConfusionMatrix: predictions of shape " + Shape.format(y.shape()) + " do not fit " + classes
                + " classes; expected (n, " + classes + ")" + (classes == 2 ? ", (n) or (n, 1)" : ""));
    }

    /** Class ids, one per prediction, or one-hot rows of {@code classes} values each. */
    private static int[] trueIds(Tensor y, int n, int classes, Tensor pred) {
        if (y.numel() == n) return wholeIds(y.toFloatArray(), "true label");
        if (y.rank() >= 2 && y.size(-1) == classes && y.numel() == (long) n * classes) return argmaxRows(y.toFloatArray(), classes);
        throw new IllegalArgumentException("ConfusionMatrix: labels of shape " + Shape.format(y.shape()) + " do not match " + n
                + " predictions of shape " + Shape.format(pred.shape()) + "; expected a class id per prediction or one-hot rows of " + classes);
    }

    private static int[] wholeIds(float[] v, String what) {
        int[] ids = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i])) throw new IllegalArgumentException("ConfusionMatrix: " + what + " " + i + " is " + v[i] + ", not a class id");
            ids[i] = (int) v[i];
        }
        return ids;
    }

    /** The index of the largest value in each row of {@code classes} values; NaN counts as the largest. */
    private static int[] argmaxRows(float[] v, int classes) {
        int[] ids = new int[v.length / classes];
        for (int r = 0; r < ids.length; r++) {
            int best = 0;
            for (int c = 1; c < classes; c++) {
                float a = v[r * classes + c], b = v[r * classes + best];
                if (a > b || (Float.isNaN(a) && !Float.isNaN(b))) best = c;
            }
            ids[r] = best;
        }
        return ids;
    }
}
