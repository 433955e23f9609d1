package dev.myelin.nn.layers;

import dev.myelin.core.Padding;
import dev.myelin.core.Shape;
import dev.myelin.nn.Config;
import dev.myelin.nn.Layer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Shape arithmetic and argument checks shared by the convolution, pooling, padding and merge
 * layers, kept apart from their maths (STYLE habit 6). Sizes are Keras's: -1 stands for None.
 */
final class LayerUtils {
    private LayerUtils() {}

    static final String CHANNELS_LAST = "channels_last";

    /** One value for every axis, or exactly {@code rank} values, all positive: Keras's {@code standardize_tuple}. */
    static int[] tuple(String owner, String what, int[] values, int rank) {
        if (values == null || (values.length != 1 && values.length != rank)) {
            throw new IllegalArgumentException(owner + ": " + what + " must have 1 or " + rank + " values, got "
                    + (values == null ? "null" : Arrays.toString(values)));
        }
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = values.length == 1 ? values[0] : values[i];
            if (out[i] < 1) throw new IllegalArgumentException(owner + ": " + what + " must be positive, got " + Arrays.toString(values));
        }
        return out;
    }

    /** "valid" or "same" (and "causal" where allowed), lower-cased as Keras standardises it. */
    static String padding(String owner, String padding, boolean allowCausal) {
        String p = padding == null ? "" : padding.toLowerCase(Locale.ROOT);
        if (p.equals("valid") || p.equals("same") || (allowCausal && p.equals("causal"))) return p;
        throw new IllegalArgumentException(owner + ": padding must be " + (allowCausal ? "\"valid\", \"same\" or \"causal\"" : "\"valid\" or \"same\"")
                + ", got " + (padding == null ? "null" : "\"" + padding + "\""));
    }

    static Padding toPadding(String padding) {
        return switch (padding) {
            case "valid" -> Padding.VALID;
            case "same" -> Padding.SAME;
            case "causal" -> Padding.CAUSAL;
            default -> throw new IllegalArgumentException("unknown padding \"" + padding + "\"");
        };
    }

    /**
     * Keras's convolution output length: VALID floor((in - (k-1)*d - 1) / s) + 1, SAME and CAUSAL
     * floor((in - 1) / s) + 1; -1 stays unknown.
     */
    static int convLength(int in, int kernel, int stride, String padding, int dilation) {
        if (in < 0) return -1;
        if (padding.equals("valid")) return Math.floorDiv(in - (kernel - 1) * dilation - 1, stride) + 1;
        return Math.floorDiv(in - 1, stride) + 1;
    }

    /** Keras's pooling output length: VALID floor((in - pool) / s) + 1, SAME floor((in - 1) / s) + 1. */
    static int poolLength(int in, int pool, int stride, String padding) {
        if (in < 0) return -1;
        if (padding.equals("valid")) return Math.floorDiv(in - pool, stride) + 1;
        return Math.floorDiv(in - 1, stride) + 1;
    }

    /**
     * Keras's {@code deconv_output_length} with the dilated extent k = (kernel-1)*d + 1: without an
     * output padding VALID gives in*s + max(k - s, 0) and SAME in*s; with one, p,
     * (in-1)*s + k - 2*pad + p where pad is k/2 for SAME and 0 for VALID.
     */
    static int deconvLength(int in, int kernel, int stride, String padding, int dilation, int outputPadding) {
        if (in < 0) return -1;
        int k = (kernel - 1) * dilation + 1;
        if (outputPadding < 0) return padding.equals("valid") ? in * stride + Math.max(k - stride, 0) : in * stride;
        int pad = padding.equals("same") ? k / 2 : 0;
        return (in - 1) * stride + k - 2 * pad + outputPadding;
    }

    /** Fails unless the input (no batch axis) has {@code rank} axes and a known channel (last) axis. */
    static void requireChannelsLast(Layer layer, int[] inputShape, int rank, String layout) {
        if (inputShape.length != rank) {
            throw new IllegalArgumentException(layer.describe() + ": expected input of shape " + layout + " (rank " + (rank + 1)
                    + " with the batch axis), got " + Layer.withBatch(inputShape));
        }
        if (inputShape[rank - 1] < 0) {
            throw new IllegalArgumentException(layer.describe() + ": the channel (last) axis of the input must be known, got "
                    + Layer.withBatch(inputShape));
        }
    }

    /** Fails unless the input (no batch axis) has {@code rank} axes. */
    static void requireRank(Layer layer, int[] inputShape, int rank, String layout) {
        if (inputShape.length != rank) {
            throw new IllegalArgumentException(layer.describe() + ": expected input of shape " + layout + " (rank " + (rank + 1)
                    + " with the batch axis), got " + Layer.withBatch(inputShape));
        }
    }

    /** Fails when an output size came out below 1 because the input is smaller than the window. */
    static void requireNonEmpty(Layer layer, int[] inputShape, int[] outputShape, String window) {
        for (int d : outputShape) {
            if (d == 0 || d < -1) {
                throw new IllegalArgumentException(layer.describe() + ": input " + Layer.withBatch(inputShape) + " is too small for "
                        + window + ": the output would be " + Layer.withBatch(outputShape));
            }
        }
    }

    /** Fails unless every known size of {@code expected} (no batch axis) matches the tensor's shape (batch axis first). */
    static void checkKnownSizes(Layer layer, int[] expected, int[] shapeWithBatch) {
        if (expected == null) return;
        boolean ok = shapeWithBatch.length == expected.length + 1;
        for (int i = 0; ok && i < expected.length; i++) ok = expected[i] < 0 || expected[i] == shapeWithBatch[i + 1];
        if (!ok) {
            throw new IllegalArgumentException(layer.describe() + ": expected input shape " + Layer.withBatch(expected)
                    + ", got " + Shape.format(shapeWithBatch));
        }
    }

    /** "(None, 3), (None, 4)" for messages about several inputs. */
    static String shapes(List<int[]> shapes) {
        List<String> parts = new ArrayList<>();
        for (int[] s : shapes) parts.add(Layer.withBatch(s));
        return String.join(", ", parts);
    }

    /** Reads "data_format" from a Keras config: only "channels_last" (or none) is supported. */
    static void checkDataFormat(String owner, Map<String, Object> config) {
        String f = Config.getString(config, "data_format", CHANNELS_LAST);
        if (!f.equals(CHANNELS_LAST)) {
            throw new IllegalArgumentException(owner + ": only data_format \"channels_last\" is supported, got \"" + f
                    + "\"; transpose the data to channels-last (batch, ..., channels)");
        }
    }
}
