package dev.myelin.compress;

import dev.myelin.core.GradMode;
import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Activations;
import dev.myelin.nn.Config;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Parameter;
import dev.myelin.nn.init.Initializer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link QuantizedConv1D} and {@link QuantizedConv2D} share: a channels-last convolution
 * (one group) with int8 weights, run as im2col over int8 activations and one {@link Int8Gemm}
 * product. Each image (each sequence for 1-D) is quantized at run time with one scale from its
 * max-abs, so a batch's results do not depend on which other samples share it and the padding
 * zeros stay exact zeros. Weights: "kernel", int8 (filters, kh*kw*channels), one row per filter
 * with the patch in (kh, kw, channel) order, i.e. Keras's kernel (kh, kw, channels, filters)
 * flattened and transposed; "kernel_scale", float32 (filters); "bias", float32 (filters); and with
 * a static input scale (from {@link Quantizer#staticInt8} calibration), "input_scale", float32 (1),
 * used for every sample instead of its max-abs. Inference only.
 */
public abstract sealed class QuantizedConv extends Layer permits QuantizedConv1D, QuantizedConv2D {
    static {
        QuantizedLayers.register();
    }

    /** Bytes of one im2col chunk: the batch's patch rows are processed this many at a time. */
    private static final int COL_BUDGET = 1 << 20;

    final int rank;
    final int filters;
    final int[] kernelSize, strides, dilationRate;
    final String padding, activation;
    final boolean useBias;
    private boolean staticInput;
    private Int8Weight kernel;
    private Parameter bias, inputScale;

    QuantizedConv(int rank, int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias) {
        String owner = getClass().getSimpleName();
        if (filters <= 0) throw new IllegalArgumentException(owner + ": filters must be positive, got " + filters);
        this.rank = rank;
        this.filters = filters;
        this.kernelSize = tuple(owner, "kernel_size", kernelSize, rank);
        this.strides = tuple(owner, "strides", strides, rank);
        this.dilationRate = tuple(owner, "dilation_rate", dilationRate, rank);
        String p = padding == null ? "valid" : padding.toLowerCase(Locale.ROOT);
        if (!p.equals("valid") && !p.equals("same") && !(p.equals("causal") && rank == 1)) {
            throw new IllegalArgumentException(owner + ": padding must be \"valid\" or \"same\"" + (rank == 1 ? " or \"causal\"" : "") + ", got \"" + padding + "\"");
        }
        this.padding = p;
        this.activation = Activations.checkName(activation);
        this.useBias = useBias;
    }

    private static int[] tuple(String owner, String what, int[] v, int rank) {
        if (v.length == 1) {
            int[] r = new int[rank];
            Arrays.fill(r, v[0]);
            v = r;
        }
        if (v.length != rank) throw new IllegalArgumentException(owner + ": " + what + " needs 1 or " + rank + " values, got " + Arrays.toString(v));
        for (int x : v) if (x <= 0) throw new IllegalArgumentException(owner + ": " + what + " values must be positive, got " + Arrays.toString(v));
        return v.clone();
    }

    /** Quantizes a float kernel in Keras's layout (kernel_size..., channels, filters) per filter, and copies the bias (or null). */
    public void setWeights(Tensor floatKernel, Tensor floatBias) {
        try (var ignored = GradMode.noGrad()) {
            Tensor k = floatKernel.detach().reshape(-1, filters);   // (kh*kw*channels, filters)
            kernel.set(QTensor.quantize(k.t()));
            if (bias != null) bias.assign(floatBias.detach());
        }
    }

    /** Quantizes inputs with one fixed scale, the weight "input_scale" (static), instead of per sample. Before building. Returns this. */
    public QuantizedConv staticInput(boolean value) {
        if (isBuilt()) throw new IllegalStateException(describe() + ": set staticInput before the layer is built");
        staticInput = value;
        return this;
    }

    /** Sets the static input scale (calibrated range / 127). */
    public void setInputScale(float scale) {
        if (inputScale == null) throw new IllegalStateException(describe() + " quantizes its input dynamically; it has no input scale");
        if (!(scale > 0) || !Float.isFinite(scale)) throw new IllegalArgumentException(describe() + ": input scale must be finite and positive, got " + scale);
        inputScale.assign(Tensor.of(new float[]{scale}, 1));
    }

    public int filters() { return filters; }

    public int[] kernelSize() { return kernelSize.clone(); }

    public int[] strides() { return strides.clone(); }

    public int[] dilationRate() { return dilationRate.clone(); }

    public String padding() { return padding; }

    public String activation() { return activation; }

    /** The int8 kernel, (filters, kh*kw*channels). */
    public QTensor kernel() {
        return kernel.qtensor();
    }

    public Parameter bias() {
        return bias;
    }

    private String layout() {
        return rank == 1 ? "(None, steps, channels)" : "(None, height, width, channels)";
    }

    @Override
    protected void build(int[] inputShape) {
        if (inputShape.length != rank + 1 || inputShape[rank] <= 0) {
            throw new IllegalArgumentException(describe() + ": expected input " + layout() + " with a known channel count, got " + withBatch(inputShape));
        }
        int patch = inputShape[rank];
        for (int k : kernelSize) patch *= k;
        Parameter scale = addWeight("kernel_scale", new int[]{filters}, Initializer.ones(), null, false);
        kernel = new Int8Weight("kernel", filters, patch, scale);
        if (useBias) bias = addWeight("bias", new int[]{filters}, Initializer.zeros(), null, false);
        if (staticInput) inputScale = addWeight("input_scale", new int[]{1}, Initializer.ones(), null, false);
    }

    @Override
    public List<Parameter> weights() {
        return Int8Weight.prepend(kernel, super.weights());
    }

    /** Extent of the dilated window on axis a. */
    private int window(int a) {
        return (kernelSize[a] - 1) * dilationRate[a] + 1;
    }

    /** Output length on axis a for input length n (-1 stays unknown), as Keras computes it. */
    private int outLength(int a, int n) {
        if (n < 0) return -1;
        int w = window(a), s = strides[a];
        return switch (padding) {
            case "same" -> (n + s - 1) / s;
            case "causal" -> (n - 1) / s + 1;
            default -> n >= w ? (n - w) / s + 1 : 0;
        };
    }

    /** Zeros before the input on axis a. */
    private int padBefore(int a, int n) {
        return switch (padding) {
            case "same" -> Math.max((outLength(a, n) - 1) * strides[a] + window(a) - n, 0) / 2;
            case "causal" -> window(a) - 1;
            default -> 0;
        };
    }

    @Override
    public int[] computeOutputShape(int[] inputShape) {
        if (inputShape.length != rank + 1) throw new IllegalArgumentException(describe() + ": expected input " + layout() + ", got " + withBatch(inputShape));
        int[] out = new int[rank + 1];
        for (int a = 0; a < rank; a++) {
            out[a] = outLength(a, inputShape[a]);
            if (out[a] == 0) {
                throw new IllegalArgumentException(describe() + ": input " + withBatch(inputShape) + " is smaller than the kernel "
                        + Arrays.toString(kernelSize) + " with dilation " + Arrays.toString(dilationRate) + " and padding \"" + padding + "\"");
            }
        }
        out[rank] = filters;
        return out;
    }

    @Override
    protected Tensor call(Tensor x, Context ctx) {
        QuantizedLayers.requireInference(this, ctx);
        int[] xs = x.shape();
        // 1-D runs as 2-D with a height of 1: (N, L, C) is (N, 1, L, C), the kernel (1, k)
        int n = xs[0], h = rank == 1 ? 1 : xs[1], w = xs[rank], c = xs[rank + 1];
        int kh = rank == 1 ? 1 : kernelSize[0], kw = kernelSize[rank - 1];
        int sh = rank == 1 ? 1 : strides[0], sw = strides[rank - 1];
        int dh = rank == 1 ? 1 : dilationRate[0], dw = dilationRate[rank - 1];
        int oh = rank == 1 ? 1 : outLength(0, h), ow = outLength(rank - 1, w);
        int top = rank == 1 ? 0 : padBefore(0, h), left = padBefore(rank - 1, w);
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(describe() + ": input " + Shape.format(xs) + " is smaller than the kernel "
                    + Arrays.toString(kernelSize) + " with padding \"" + padding + "\"");
        }
        QTensor wq = kernel.qtensor();
        int patch = kh * kw * c;
        if (patch != wq.cols()) {
            throw new IllegalArgumentException(describe() + ": built for " + wq.cols() / (kh * kw) + " channels, got input " + Shape.format(xs));
        }
        // one scale per sample: (h, w, c) values each
        Tensor xc = x.toFloat().contiguous();
        float[] xd = xc.floatData();
        int image = h * w * c;
        byte[] xq = new byte[n * image];
        float[] imageScale = new float[n];
        if (inputScale == null) {
            for (int i = 0; i < n; i++) imageScale[i] = QTensor.quantizeRow(xd, xc.offset() + i * image, image, xq, i * image);
        } else {
            float s = inputScale.value().floatData()[0];
            QTensor.quantizeRowWithScale(xd, xc.offset(), n * image, s, xq, 0);
            Arrays.fill(imageScale, s);
        }

        float[] b = bias == null ? null : bias.value().floatData();
        boolean relu = QuantizedLayers.isRelu(activation), fused = relu || QuantizedLayers.isLinear(activation);
        int pixels = oh * ow, rows = n * pixels;
        float[] out = new float[rows * filters];
        boolean pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && top == 0 && left == 0;
        int chunk = Math.max(1, COL_BUDGET / Math.max(patch, 1));
        byte[] col = pointwise ? null : new byte[Math.min(chunk, rows) * patch];
        float[] rowScale = new float[Math.min(chunk, rows)];
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int r1 = Math.min(rows, r0 + chunk);
            for (int img = r0 / pixels, r = r0; r < r1; img++) {
                int end = Math.min(r1, (img + 1) * pixels);
                Arrays.fill(rowScale, r - r0, end - r0, imageScale[img]);   // a patch row takes its image's scale
                r = end;
            }
            byte[] src;
            int srcOff;
            if (pointwise) {
                src = xq;   // a 1x1 stride-1 convolution's patches are the pixels themselves
                srcOff = r0 * patch;
            } else {
                im2col(xq, r0, r1, oh, ow, h, w, c, kh, kw, sh, sw, dh, dw, top, left, col);
                src = col;
                srcOff = 0;
            }
            QTensor.trusted(src, srcOff, rowScale, r1 - r0, patch).matmulTransposed(wq, b, out, r0 * filters, relu);
        }
        int[] os = new int[rank + 2];
        os[0] = n;
        if (rank == 2) os[1] = oh;
        os[rank] = ow;
        os[rank + 1] = filters;
        Tensor y = Tensor.wrap(out, os);
        return fused ? y : Activations.get(activation).apply(y);   // relu and linear were applied while rescaling
    }

    /**
     * The patches of output rows [r0, r1) into col, one row of kh*kw*c bytes each in (kh, kw, c)
     * order, row r being output pixel r % (oh*ow) of image r / (oh*ow); positions outside the input
     * are 0. The pixel is stepped along instead of divided out of r, in one call per chunk instead of
     * one per patch: at batch 1 on the MNIST convnet (676 patches of 3x3x1 in its first layer) that
     * saved about 3 us of a 78 us int8 forward (interleaved runs, one thread).
     */
    private static void im2col(byte[] x, int r0, int r1, int oh, int ow, int h, int w, int c, int kh, int kw, int sh, int sw,
                               int dh, int dw, int top, int left, byte[] col) {
        int pixels = oh * ow, img = r0 / pixels, p = r0 % pixels, i = p / ow, j = p % ow;
        int run = kw * c, patch = kh * run;
        for (int r = r0, d = 0; r < r1; r++, d += patch) {
            int iw0 = j * sw - left;
            boolean inside = dw == 1 && iw0 >= 0 && iw0 + kw - 1 < w;   // the window's rows are runs of kw * c bytes
            for (int a = 0, da = d; a < kh; a++, da += run) {
                int ih = i * sh - top + a * dh;
                if (ih < 0 || ih >= h) {
                    Arrays.fill(col, da, da + run, (byte) 0);
                    continue;
                }
                int rowBase = (img * h + ih) * w;
                if (inside) {
                    copy(x, (rowBase + iw0) * c, col, da, run);
                    continue;
                }
                for (int bb = 0, db = da; bb < kw; bb++, db += c) {
                    int iw = iw0 + bb * dw;
                    if (iw < 0 || iw >= w) Arrays.fill(col, db, db + c, (byte) 0);
                    else copy(x, (rowBase + iw) * c, col, db, c);
                }
            }
            if (++j == ow) {
                j = 0;
                if (++i == oh) {
                    i = 0;
                    img++;
                }
            }
        }
    }

    /** dst[d .. d+n) = src[s .. s+n); a plain loop for the short runs of narrow layers, where arraycopy's call costs more. */
    private static void copy(byte[] src, int s, byte[] dst, int d, int n) {
        if (n >= 64) {
            System.arraycopy(src, s, dst, d, n);
            return;
        }
        for (int i = 0; i < n; i++) dst[d + i] = src[s + i];
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> m = super.config();
        m.put("filters", filters);
        m.put("kernel_size", Config.list(kernelSize));
        m.put("strides", Config.list(strides));
        m.put("padding", padding);
        m.put("data_format", "channels_last");
        m.put("dilation_rate", Config.list(dilationRate));
        m.put("activation", activation);
        m.put("use_bias", useBias);
        m.put("quantization", QuantizedLayers.DYNAMIC_INT8);
        m.put("input_quantization", staticInput ? "static" : "dynamic");
        return m;
    }

    /** The shared keys of a saved config, for the subclasses' fromConfig. */
    record Settings(int filters, int[] kernelSize, int[] strides, String padding, int[] dilationRate, String activation, boolean useBias,
                    boolean staticInput) {
        static Settings read(String owner, Map<String, Object> c) {
            QuantizedLayers.checkScheme(owner, c);
            String format = Config.getString(c, "data_format", "channels_last");
            if (!format.equals("channels_last")) throw new IllegalArgumentException(owner + ": only data_format \"channels_last\" is supported, got \"" + format + "\"");
            return new Settings(Config.getInt(c, "filters"), Config.getInts(c, "kernel_size"), Config.getInts(c, "strides", new int[]{1}),
                    Config.getString(c, "padding", "valid"), Config.getInts(c, "dilation_rate", new int[]{1}),
                    Config.getString(c, "activation", null), Config.getBool(c, "use_bias", true), QuantizedLayers.staticInput(owner, c));
        }
    }
}
