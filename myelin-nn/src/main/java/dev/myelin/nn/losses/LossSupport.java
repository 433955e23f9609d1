package dev.myelin.nn.losses;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;

import java.util.Arrays;

/** Shape and value checks shared by the losses, with errors that name the loss and both shapes. */
final class LossSupport {
    /** Keras's {@code backend.epsilon()}: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
    static final float EPSILON = 1e-7f;

    private LossSupport() {}

    /**
     * The labels as float32 in the predictions' shape. As Keras's {@code squeeze_or_expand_to_same_rank},
     * shapes that differ only by one trailing axis of size 1 are matched ((batch,) labels for (batch, 1)
     * predictions); any other difference, and any NaN or infinite label, is an error.
     */
    static Tensor labels(String loss, Tensor yTrue, Tensor yPred) {
        requireBatchAxis(loss, yPred);
        int[] t = yTrue.shape(), p = yPred.shape();
        Tensor y = yTrue.toFloat();
        requireFinite(loss, y);
        if (!Shape.equal(t, p)) {
            if (!differByTrailingOne(t, p)) {
                throw new IllegalArgumentException(loss + ": labels of shape " + Shape.format(t) + " do not match predictions of shape "
                        + Shape.format(p) + "; expected labels of shape " + Shape.format(p));
            }
            y = y.reshape(p);
        }
        return y;
    }

    static void requireBatchAxis(String loss, Tensor yPred) {
        if (yPred.rank() == 0) {
            throw new IllegalArgumentException(loss + ": predictions need a batch axis, got a scalar of shape ()");
        }
    }

    /** True when a and b are equal but for one extra trailing axis of size 1 on either side. */
    static boolean differByTrailingOne(int[] a, int[] b) {
        int[] longer = a.length > b.length ? a : b, shorter = a.length > b.length ? b : a;
        if (longer.length != shorter.length + 1 || longer[longer.length - 1] != 1) return false;
        for (int i = 0; i < shorter.length; i++) if (longer[i] != shorter[i]) return false;
        return true;
    }

    /** Rejects NaN and infinite labels: they would silently turn the loss into NaN. */
    static void requireFinite(String loss, Tensor labels) {
        float[] v = labels.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(loss + ": label " + v[i] + " at " + position(i, labels.shape()) + " is not a finite number");
            }
        }
    }

    /** The class axis in [1, rank): the batch axis (0) cannot be one. */
    static int classAxis(String loss, int axis, int rank) {
        int a = Shape.axis(loss, axis, rank);
        if (a == 0) {
            throw new IllegalArgumentException(loss + ": axis " + axis + " is the batch axis of predictions of rank " + rank
                    + "; expected a class axis in [1, " + rank + ") or a negative one such as -1");
        }
        return a;
    }

    /** "index [1, 4]" for element {@code flat} of a row-major tensor of this shape. */
    static String position(int flat, int[] shape) {
        return "index " + (shape.length <= 1 ? Integer.toString(flat) : coordinates(flat, shape));
    }

    /** "[1, 4]": the coordinates of element {@code flat} of a row-major tensor of this shape. */
    static String coordinates(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return Arrays.toString(idx);
    }

    static void requireUnitInterval(String loss, String what, float value) {
        if (!(value >= 0f && value <= 1f)) {
            throw new IllegalArgumentException(loss + ": " + what + " must be in [0, 1], got " + value);
        }
    }
}
