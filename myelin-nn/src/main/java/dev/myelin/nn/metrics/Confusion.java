package dev.myelin.nn.metrics;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

/**
 * Weighted true/false positive/negative counts at one threshold, for {@link Precision} and
 * {@link Recall}: every value of the predictions is a binary decision (p > threshold) against a
 * label that must be 0 or 1; with a class id, only that class (last axis) counts.
 */
final class Confusion {
    double tp, fp, fn, tn;

    void update(String metric, Tensor yTrue, Tensor yPred, Tensor sampleWeight, float threshold, int classId) {
        int batch = MetricSupport.batch(metric, yPred);
        float[] y = MetricSupport.labels(metric, yTrue, yPred), p = yPred.toFloatArray();
        double[] w = MetricSupport.weights(metric, sampleWeight, batch);
        int classes = yPred.rank() >= 2 ? yPred.size(-1) : 1;
        if (classId >= 0 && (yPred.rank() < 2 || classId >= classes)) {
            throw new IllegalArgumentException(metric + ": class id " + classId + " needs predictions (batch, classes) with more than "
                    + classId + " classes, got shape " + Shape.format(yPred.shape()));
        }
        int per = batch == 0 ? 0 : p.length / batch;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < per; j++) {
                if (classId >= 0 && j % classes != classId) continue;
                int i = b * per + j;
                boolean positive = requireBinary(metric, y[i], i) == 1f, predicted = p[i] > threshold;
                if (predicted) {
                    if (positive) tp += w[b];
                    else fp += w[b];
                } else {
                    if (positive) fn += w[b];
                    else tn += w[b];
                }
            }
        }
    }

    static float requireBinary(String metric, float label, int position) {
        if (label != 0f && label != 1f) {
            throw new IllegalArgumentException(metric + ": label " + label + " at position " + position + " is not 0 or 1");
        }
        return label;
    }

    static void requireThreshold(String metric, float threshold) {
        if (!(threshold >= 0f && threshold <= 1f)) {
            throw new IllegalArgumentException(metric + ": threshold must be in [0, 1], got " + threshold);
        }
    }

    void reset() {
        tp = fp = fn = tn = 0;
    }
}
