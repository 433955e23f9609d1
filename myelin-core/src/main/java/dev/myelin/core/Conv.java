package dev.myelin.core;

import dev.myelin.backend.Backend;
import dev.myelin.backend.Backends;
import dev.myelin.backend.Parallel;
import dev.myelin.backend.BinaryOp;

import java.util.Arrays;

/**
 * Convolutions, channels-last as Keras stores them, in the style of {@code torch.nn.functional}:
 * <ul>
 *   <li>2-D: input (N, H, W, C), kernel (KH, KW, C/groups, Cout), output (N, OH, OW, Cout);</li>
 *   <li>1-D: input (N, L, C), kernel (K, C/groups, Cout), output (N, OL, Cout);</li>
 *   <li>transposed: input (N, H, W, Cin), kernel (KH, KW, Cout, Cin), output (N, OH, OW, Cout);
 *       1-D likewise with (N, L, Cin) and (K, Cout, Cin).</li>
 * </ul>
 *
 * <pre>{@code
 * Tensor y = Conv.conv2d(x, kernel, bias, new int[]{1, 1}, Padding.SAME, new int[]{1, 1}, 1);
 * }</pre>
 *
 * All of them run on three kernels over one geometry, each an im2col and a GEMM on the current
 * backend: {@code forward} (y = im2col(x) K), {@code inputGrad} (dx = col2im(dy K^T)) and
 * {@code kernelGrad} (dK = im2col(x)^T dy). In channels-last a patch row (kh, kw, c) is built
 * from contiguous channel runs, and the GEMM's (N*OH*OW, Cout) output is already NHWC, so nothing
 * is transposed and one GEMM covers many images ({@code ConvLayoutBench} in myelin-bench compares
 * this with NCHW). A transposed convolution is the input gradient of a convolution, and its
 * backward uses the other two kernels. The batch is processed in chunks of whole images so the
 * im2col buffer stays bounded; 1x1 stride-1 unpadded convolutions skip im2col and multiply the
 * input directly; depthwise ones (one input channel per group) are direct loops.
 */
public final class Conv {
    private Conv() {}

    /**
     * Floats in one im2col buffer (1 MiB, about an L2 cache): the batch is cut into chunks of whole
     * images that fit (at least one), so the GEMM reads patches just written and the bias is added
     * to output rows still in cache. Larger buffers measured slower, mostly from zeroing them.
     */
    static final int COL_BUDGET = 1 << 18;

    private static final int[] ONES = {1, 1};

    // ------------------------------------------------------------------ conv2d

    /** Stride 1, VALID, no bias: {@code Conv.conv2d(x, kernel)}; x (N, H, W, C), kernel (KH, KW, C, Cout). */
    public static Tensor conv2d(Tensor x, Tensor kernel) {
        return conv2d(x, kernel, null);
    }

    /** Stride 1, VALID: {@code Conv.conv2d(x, kernel, bias)}; bias (Cout) or null. */
    public static Tensor conv2d(Tensor x, Tensor kernel, Tensor bias) {
        return conv2d(x, kernel, bias, ONES, Padding.VALID, ONES, 1);
    }

    /** No dilation, one group: {@code Conv.conv2d(x, kernel, bias, new int[]{2, 2}, Padding.SAME)}. */
    public static Tensor conv2d(Tensor x, Tensor kernel, Tensor bias, int[] strides, Padding padding) {
        return conv2d(x, kernel, bias, strides, padding, ONES, 1);
    }

    /**
     * 2-D convolution (cross-correlation, as in every framework):
     * y[n, i, j, o] = b[o] + sum over (kh, kw, c) of x[n, i*sh - top + kh*dh, j*sw - left + kw*dw, g*Cg + c] * K[kh, kw, c, o],
     * where g = o / (Cout / groups) and positions outside the input read 0.
     *
     * <pre>{@code Conv.conv2d(x, kernel, bias, new int[]{1, 1}, Padding.SAME, new int[]{2, 2}, 1)}</pre>
     *
     * @param x        (N, H, W, C)
     * @param kernel   (KH, KW, C / groups, Cout), Keras's layout
     * @param bias     (Cout), or null
     * @param strides  (sh, sw)
     * @param padding  VALID, SAME (TensorFlow's rule) or {@link Padding.Explicit}
     * @param dilation (dh, dw)
     * @param groups   divides C and Cout; groups == C is a depthwise convolution
     * @return (N, OH, OW, Cout)
     */
    public static Tensor conv2d(Tensor x, Tensor kernel, Tensor bias, int[] strides, Padding padding, int[] dilation, int groups) {
        String op = "conv2d";
        requireRank(op, "input", x, 4, "(batch, height, width, channels)");
        requireRank(op, "kernel", kernel, 4, "(kernelHeight, kernelWidth, inChannels / groups, outChannels)");
        requirePair(op, "strides", strides);
        requirePair(op, "dilation", dilation);
        requirePadding(op, padding);
        if (padding instanceof Padding.Causal) {
            throw new IllegalArgumentException(op + ": CAUSAL padding is for 1-D convolutions only; use SAME or explicit padding");
        }
        Geom g = geometry(op, x.shape(), kernel.shape(), strides, padding, dilation, groups, desc(x), desc(kernel), false);
        return convolve(op, g, x, kernel, bias);
    }

    // ------------------------------------------------------------------ conv1d

    /** Stride 1, VALID: {@code Conv.conv1d(x, kernel, bias)}; x (N, L, C), kernel (K, C, Cout), bias (Cout) or null. */
    public static Tensor conv1d(Tensor x, Tensor kernel, Tensor bias) {
        return conv1d(x, kernel, bias, 1, Padding.VALID, 1, 1);
    }

    /**
     * 1-D convolution over the middle axis:
     * y[n, t, o] = b[o] + sum over (k, c) of x[n, t*stride - before + k*dilation, g*Cg + c] * K[k, c, o].
     *
     * <pre>{@code Conv.conv1d(x, kernel, bias, 1, Padding.CAUSAL, 2, 1)}</pre>
     *
     * @param x       (N, L, C)
     * @param kernel  (K, C / groups, Cout)
     * @param bias    (Cout), or null
     * @param padding VALID, SAME, CAUSAL, or {@link Padding#explicit(int, int)}
     * @return (N, OL, Cout)
     */
    public static Tensor conv1d(Tensor x, Tensor kernel, Tensor bias, int stride, Padding padding, int dilation, int groups) {
        String op = "conv1d";
        requireRank(op, "input", x, 3, "(batch, length, channels)");
        requireRank(op, "kernel", kernel, 3, "(kernelSize, inChannels / groups, outChannels)");
        requirePositive(op, "stride", stride);
        requirePositive(op, "dilation", dilation);
        require1dPadding(op, padding);
        int[] xs = x.shape(), ks = kernel.shape();
        Geom g = geometry(op, new int[]{xs[0], 1, xs[1], xs[2]}, new int[]{1, ks[0], ks[1], ks[2]},
                new int[]{1, stride}, padding, new int[]{1, dilation}, groups, desc(x), desc(kernel), true);
        return convolve(op, g, x.unsqueeze(1), kernel.unsqueeze(0), bias).squeeze(1);
    }

    // ------------------------------------------------------------------ transposed convolutions

    /** Keras output size, no output padding, no dilation: {@code Conv.convTranspose2d(x, kernel, bias, new int[]{2, 2}, Padding.SAME)}. */
    public static Tensor convTranspose2d(Tensor x, Tensor kernel, Tensor bias, int[] strides, Padding padding) {
        return convTranspose2d(x, kernel, bias, strides, padding, null, ONES);
    }

    /**
     * Transposed 2-D convolution with Keras {@code Conv2DTranspose} semantics: the gradient of
     * {@code conv2d} with respect to its input, for a convolution from the output's shape to x's.
     * The output size per axis, with the dilated kernel extent k and stride s:
     * VALID gives in*s + max(k - s, 0) (that is (in-1)*s + k when k >= s), SAME gives in*s; with an
     * output padding p, VALID gives (in-1)*s + k + p and SAME (in-1)*s + k - 2*(k/2) + p; explicit
     * padding gives (in-1)*s + k - before - after + p.
     *
     * <pre>{@code Conv.convTranspose2d(x, kernel, bias, new int[]{2, 2}, Padding.SAME, null, new int[]{1, 1})}</pre>
     *
     * @param x             (N, H, W, Cin)
     * @param kernel        (KH, KW, Cout, Cin), Keras's layout
     * @param bias          (Cout), or null
     * @param outputPadding (ph, pw), each smaller than its stride, or null for Keras's default sizes
     * @return (N, OH, OW, Cout)
     */
    public static Tensor convTranspose2d(Tensor x, Tensor kernel, Tensor bias, int[] strides, Padding padding,
                                         int[] outputPadding, int[] dilation) {
        String op = "convTranspose2d";
        requireRank(op, "input", x, 4, "(batch, height, width, channels)");
        requireRank(op, "kernel", kernel, 4, "(kernelHeight, kernelWidth, outChannels, inChannels)");
        requirePair(op, "strides", strides);
        requirePair(op, "dilation", dilation);
        requirePadding(op, padding);
        if (padding instanceof Padding.Causal) throw new IllegalArgumentException(op + ": CAUSAL padding is for conv1d only");
        if (outputPadding != null) {
            if (outputPadding.length != 2) {
                throw new IllegalArgumentException(op + ": outputPadding must have 2 values (height, width), got " + Arrays.toString(outputPadding));
            }
            for (int i = 0; i < 2; i++) {
                if (outputPadding[i] < 0 || outputPadding[i] >= strides[i]) {
                    throw new IllegalArgumentException(op + ": outputPadding " + Arrays.toString(outputPadding)
                            + " must be >= 0 and smaller than the strides " + Arrays.toString(strides));
                }
            }
        }
        int[] xs = x.shape(), ks = kernel.shape();
        if (ks[3] != xs[3]) {
            throw new IllegalArgumentException(op + ": input " + desc(x) + " has " + xs[3] + " channels but kernel " + desc(kernel)
                    + " expects " + ks[3] + " (its last axis; the kernel is (kernelHeight, kernelWidth, outChannels, inChannels))");
        }
        return transpose(op, x, kernel, bias, strides, padding, outputPadding, dilation, false);
    }

    /** Keras output size, no output padding, no dilation: {@code Conv.convTranspose1d(x, kernel, bias, 2, Padding.SAME)}. */
    public static Tensor convTranspose1d(Tensor x, Tensor kernel, Tensor bias, int stride, Padding padding) {
        return convTranspose1d(x, kernel, bias, stride, padding, null, 1);
    }

    /**
     * Transposed 1-D convolution (Keras {@code Conv1DTranspose}); sizes as in
     * {@link #convTranspose2d(Tensor, Tensor, Tensor, int[], Padding, int[], int[])}.
     *
     * @param x             (N, L, Cin)
     * @param kernel        (K, Cout, Cin)
     * @param outputPadding smaller than the stride, or null for Keras's default size
     * @return (N, OL, Cout)
     */
    public static Tensor convTranspose1d(Tensor x, Tensor kernel, Tensor bias, int stride, Padding padding,
                                         Integer outputPadding, int dilation) {
        String op = "convTranspose1d";
        requireRank(op, "input", x, 3, "(batch, length, channels)");
        requireRank(op, "kernel", kernel, 3, "(kernelSize, outChannels, inChannels)");
        requirePositive(op, "stride", stride);
        requirePositive(op, "dilation", dilation);
        if (padding instanceof Padding.Causal) throw new IllegalArgumentException(op + ": CAUSAL padding is for conv1d only");
        require1dPadding(op, padding);
        if (outputPadding != null && (outputPadding < 0 || outputPadding >= stride)) {
            throw new IllegalArgumentException(op + ": outputPadding " + outputPadding + " must be >= 0 and smaller than the stride " + stride);
        }
        int[] xs = x.shape(), ks = kernel.shape();
        if (ks[2] != xs[2]) {
            throw new IllegalArgumentException(op + ": input " + desc(x) + " has " + xs[2] + " channels but kernel " + desc(kernel)
                    + " expects " + ks[2] + " (its last axis; the kernel is (kernelSize, outChannels, inChannels))");
        }
        int[] op2 = outputPadding == null ? null : new int[]{0, outputPadding};
        return transpose(op, x.unsqueeze(1), kernel.unsqueeze(0), bias, new int[]{1, stride}, padding, op2,
                new int[]{1, dilation}, true).squeeze(1);
    }

    /** x (N, H, W, Cin) and kernel (KH, KW, Cout, Cin) already checked; 1-D callers pass H = KH = 1. */
    private static Tensor transpose(String op, Tensor x, Tensor kernel, Tensor bias, int[] strides, Padding padding,
                                    int[] outputPadding, int[] dilation, boolean oneD) {
        int[] xs = x.shape(), ks = kernel.shape();
        int oh = transposedLength(xs[1], (ks[0] - 1) * dilation[0] + 1, strides[0], padding, 0, outputPadding == null ? -1 : outputPadding[0]);
        int ow = transposedLength(xs[2], (ks[1] - 1) * dilation[1] + 1, strides[1], padding, 1, outputPadding == null ? -1 : outputPadding[1]);
        String xDesc = oneD ? Shape.format(new int[]{xs[0], xs[2], xs[3]}) : Shape.format(xs);
        String kDesc = oneD ? Shape.format(new int[]{ks[1], ks[2], ks[3]}) : Shape.format(ks);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(op + ": input " + xDesc + " with kernel " + kDesc + " and padding " + padding
                    + " leaves an empty output (" + spatial(oneD, oh, ow) + ")");
        }
        // The convolution this one is the adjoint of: from the output (N, OH, OW, Cout) to x's (N, H, W, Cin).
        Geom g = geometry(op, new int[]{xs[0], oh, ow, ks[2]}, ks, strides, padding, dilation, 1, xDesc, kDesc, oneD);
        if (g.oh != xs[1] || g.ow != xs[2]) {
            throw new IllegalArgumentException(op + ": an output of " + spatial(oneD, oh, ow) + " (padding " + padding + ", strides "
                    + Arrays.toString(strides) + ", outputPadding " + Arrays.toString(outputPadding) + ") does not convolve back to the input's "
                    + spatial(oneD, xs[1], xs[2]) + " for input " + xDesc + " and kernel " + kDesc);
        }
        float[] xd = dense(op, x), kd = dense(op, kernel);
        requireBias(op, bias, g.c);
        float[] y = inputGrad(g, xd, kd); // (N, OH, OW, Cout)
        if (bias != null) addBias(y, 0, y.length, dense(op, bias));
        return Tensor.fromOp(op, y, new int[]{g.n, g.h, g.w, g.c}, new Tensor[]{x, kernel, bias}, new Tensor[]{x, kernel}, gy -> {
            float[] dy = dense(op, gy);
            return new Tensor[]{
                    x.requiresGrad() ? Tensor.make(forward(g, dy, kd, null), x.shape()) : null,
                    kernel.requiresGrad() ? Tensor.make(kernelGrad(g, dy, xd), kernel.shape()) : null,
                    bias != null && bias.requiresGrad() ? Tensor.make(biasGrad(dy, g.c), bias.shape()) : null};
        });
    }

    /** Keras's {@code compute_conv_transpose_output_length}; outputPadding -1 means none given. */
    private static int transposedLength(int in, int extent, int stride, Padding padding, int axis, int outputPadding) {
        return switch (padding) {
            case Padding.Valid v -> outputPadding < 0 ? in * stride + Math.max(extent - stride, 0) : (in - 1) * stride + extent + outputPadding;
            case Padding.Same s -> outputPadding < 0 ? in * stride : (in - 1) * stride + extent - 2 * (extent / 2) + outputPadding;
            case Padding.Explicit e -> {
                int[] p = padAmounts(e, axis, in, extent, stride);
                yield (in - 1) * stride + extent - p[0] - p[1] + Math.max(outputPadding, 0);
            }
            case Padding.Causal c -> throw new IllegalArgumentException("CAUSAL padding is for conv1d only");
        };
    }

    // ------------------------------------------------------------------ the op

    /** y = im2col(x) K + b, recorded with its backward: dx = col2im(dy K^T), dK = im2col(x)^T dy, db = sum of dy over (N, OH, OW). */
    private static Tensor convolve(String op, Geom g, Tensor x, Tensor kernel, Tensor bias) {
        requireBias(op, bias, g.cout);
        float[] xd = dense(op, x), kd = dense(op, kernel);
        float[] y = forward(g, xd, kd, bias == null ? null : dense(op, bias));
        return Tensor.fromOp(op, y, new int[]{g.n, g.oh, g.ow, g.cout}, new Tensor[]{x, kernel, bias}, new Tensor[]{x, kernel}, gy -> {
            float[] dy = dense(op, gy);
            return new Tensor[]{
                    x.requiresGrad() ? Tensor.make(inputGrad(g, dy, kd), x.shape()) : null,
                    kernel.requiresGrad() ? Tensor.make(kernelGrad(g, xd, dy), kernel.shape()) : null,
                    bias != null && bias.requiresGrad() ? Tensor.make(biasGrad(dy, g.cout), bias.shape()) : null};
        });
    }

    /**
     * One convolution's sizes: input (n, h, w, c), kernel (kh, kw, cg, cout) with cg = c / groups,
     * strides, dilations, the top/left padding and the output's (oh, ow).
     */
    record Geom(int n, int h, int w, int c, int kh, int kw, int cg, int cout, int groups,
                int sh, int sw, int dh, int dw, int pt, int pl, int oh, int ow) {

        /** Length of one group's patch row, (kh, kw, cg). */
        int patch() {
            return kh * kw * cg;
        }

        /** Columns of the im2col matrix: every group's patch, group-major. */
        int colWidth() {
            return groups * patch();
        }

        int coutPerGroup() {
            return cout / groups;
        }

        /**
         * One input channel per group (groups == C > 1): a depthwise convolution, done by direct
         * loops, since im2col would make C products with a single column each.
         */
        boolean depthwise() {
            return groups > 1 && cg == 1;
        }

        /**
         * A patch of at most 32 values (a first layer: 3x3 over 1 or 3 channels): im2col would
         * feed the GEMM a skinny K that cannot keep it busy, so direct loops over the output
         * channels do the work (see smallPatchForward).
         */
        boolean smallPatch() {
            return groups == 1 && patch() <= 32 && !pointwise();
        }

        /** A 1x1 stride-1 unpadded convolution is a plain product of the (N*H*W, C) input with the kernel. */
        boolean pointwise() {
            return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w;
        }

        int imagesPerChunk() {
            long perImage = Math.max(1L, (long) oh * ow * colWidth());
            return (int) Math.max(1, Math.min(n, COL_BUDGET / perImage));
        }
    }

    static Geom geometry(String op, int[] xs, int[] ks, int[] strides, Padding padding, int[] dilation, int groups,
                         String xDesc, String kDesc, boolean oneD) {
        int n = xs[0], h = xs[1], w = xs[2], c = xs[3];
        int kh = ks[0], kw = ks[1], cg = ks[2], cout = ks[3];
        if (h < 1 || w < 1 || c < 1) throw new IllegalArgumentException(op + ": input " + xDesc + " has an empty axis");
        if (kh < 1 || kw < 1 || cg < 1 || cout < 1) throw new IllegalArgumentException(op + ": kernel " + kDesc + " has an empty axis");
        if (groups < 1) throw new IllegalArgumentException(op + ": groups must be >= 1, got " + groups);
        if (c % groups != 0) {
            throw new IllegalArgumentException(op + ": groups " + groups + " does not divide the " + c + " channels of input " + xDesc);
        }
        if (cg * groups != c) {
            throw new IllegalArgumentException(op + ": input " + xDesc + " has " + c + " channels but kernel " + kDesc + " expects "
                    + cg * groups + " (" + cg + " in channels per group x " + groups + (groups == 1 ? " group)" : " groups)"));
        }
        if (cout % groups != 0) {
            throw new IllegalArgumentException(op + ": groups " + groups + " does not divide the " + cout + " output channels of kernel " + kDesc);
        }
        int eh = (kh - 1) * dilation[0] + 1, ew = (kw - 1) * dilation[1] + 1;
        int[] ph = padAmounts(padding, 0, h, eh, strides[0]), pw = padAmounts(padding, 1, w, ew, strides[1]);
        int hp = h + ph[0] + ph[1], wp = w + pw[0] + pw[1];
        if (hp < eh || wp < ew) {
            throw new IllegalArgumentException(op + ": kernel " + kDesc + " spans " + spatial(oneD, eh, ew)
                    + (dilation[0] * dilation[1] == 1 ? "" : " with dilation " + (oneD ? dilation[1] : Arrays.toString(dilation)))
                    + " but the padded input is only " + spatial(oneD, hp, wp) + " (input " + xDesc + ", padding " + padding + ")");
        }
        int oh = (hp - eh) / strides[0] + 1, ow = (wp - ew) / strides[1] + 1;
        return new Geom(n, h, w, c, kh, kw, cg, cout, groups, strides[0], strides[1], dilation[0], dilation[1], ph[0], pw[0], oh, ow);
    }

    /**
     * The (before, after) padding of one spatial axis, axis 0 being height (top, bottom) and 1
     * width (left, right), for a window of dilated extent {@code extent}. SAME is TensorFlow's rule:
     * out = ceil(in / stride), the extra element going after.
     */
    static int[] padAmounts(Padding padding, int axis, int in, int extent, int stride) {
        return switch (padding) {
            case Padding.Valid v -> new int[]{0, 0};
            case Padding.Same s -> {
                int out = (in + stride - 1) / stride;
                int total = Math.max((out - 1) * stride + extent - in, 0);
                yield new int[]{total / 2, total - total / 2};
            }
            case Padding.Causal c -> axis == 0 ? new int[]{0, 0} : new int[]{extent - 1, 0};
            case Padding.Explicit e -> axis == 0 ? new int[]{e.top(), e.bottom()} : new int[]{e.left(), e.right()};
        };
    }

    // ------------------------------------------------------------------ kernels

    /**
     * y (N*OH*OW, Cout) = im2col(x) (N*OH*OW, groups*KH*KW*Cg) times K (KH*KW*Cg, Cout), one GEMM
     * per group, plus the bias (or none when null), added to each chunk while it is in cache.
     */
    static float[] forward(Geom g, float[] x, float[] k, float[] bias) {
        if (g.depthwise()) return depthwiseForward(g, x, k, bias);
        if (g.smallPatch()) return smallPatchForward(g, x, k, bias);
        float[] y = new float[g.n * g.oh * g.ow * g.cout];
        if (g.n == 0) return y;
        Backend be = Backends.current();
        int cog = g.coutPerGroup();
        if (g.pointwise()) {
            int rows = g.n * g.h * g.w;
            for (int gr = 0; gr < g.groups; gr++) {
                be.gemm(false, false, rows, cog, g.cg, x, gr * g.cg, g.c, k, gr * cog, g.cout, 0f, y, gr * cog, g.cout);
            }
            if (bias != null) addBias(y, 0, y.length, bias);
            return y;
        }
        int patch = g.patch(), width = g.colWidth(), pixels = g.oh * g.ow, per = g.imagesPerChunk();
        float[] col = new float[per * pixels * width];
        for (int n0 = 0; n0 < g.n; n0 += per) {
            int images = Math.min(per, g.n - n0), rows = images * pixels, r0 = n0 * pixels;
            im2col(g, x, n0, images, col);
            for (int gr = 0; gr < g.groups; gr++) {
                be.gemm(false, false, rows, cog, patch, col, gr * patch, width, k, gr * cog, g.cout, 0f, y, r0 * g.cout + gr * cog, g.cout);
            }
            if (bias != null) addBias(y, r0 * g.cout, rows * g.cout, bias);
        }
        return y;
    }

    /** dx = col2im(dcol) where dcol (N*OH*OW, groups*KH*KW*Cg) = dy (N*OH*OW, Cout) times K^T, per group. */
    static float[] inputGrad(Geom g, float[] dy, float[] k) {
        if (g.depthwise()) return depthwiseInputGrad(g, dy, k);
        float[] dx = new float[g.n * g.h * g.w * g.c];
        if (g.n == 0) return dx;
        Backend be = Backends.current();
        int cog = g.coutPerGroup();
        if (g.pointwise()) {
            int rows = g.n * g.h * g.w;
            for (int gr = 0; gr < g.groups; gr++) {
                be.gemm(false, true, rows, g.cg, cog, dy, gr * cog, g.cout, k, gr * cog, g.cout, 0f, dx, gr * g.cg, g.c);
            }
            return dx;
        }
        int patch = g.patch(), width = g.colWidth(), pixels = g.oh * g.ow, per = g.imagesPerChunk();
        float[] dcol = new float[per * pixels * width];
        for (int n0 = 0; n0 < g.n; n0 += per) {
            int images = Math.min(per, g.n - n0), rows = images * pixels, r0 = n0 * pixels;
            for (int gr = 0; gr < g.groups; gr++) {
                be.gemm(false, true, rows, patch, cog, dy, r0 * g.cout + gr * cog, g.cout, k, gr * cog, g.cout, 0f, dcol, gr * patch, width);
            }
            col2im(g, dcol, n0, images, dx);
        }
        return dx;
    }

    /** dK (KH*KW*Cg, Cout) = im2col(x)^T dy, per group, accumulated over the batch chunks. */
    static float[] kernelGrad(Geom g, float[] x, float[] dy) {
        if (g.depthwise()) return depthwiseKernelGrad(g, x, dy);
        if (g.smallPatch()) return smallPatchKernelGrad(g, x, dy);
        float[] dk = new float[g.patch() * g.cout];
        if (g.n == 0) return dk;
        Backend be = Backends.current();
        int cog = g.coutPerGroup();
        if (g.pointwise()) {
            int rows = g.n * g.h * g.w;
            for (int gr = 0; gr < g.groups; gr++) {
                be.gemm(true, false, g.cg, cog, rows, x, gr * g.cg, g.c, dy, gr * cog, g.cout, 0f, dk, gr * cog, g.cout);
            }
            return dk;
        }
        int patch = g.patch(), width = g.colWidth(), pixels = g.oh * g.ow, per = g.imagesPerChunk();
        float[] col = new float[per * pixels * width];
        for (int n0 = 0; n0 < g.n; n0 += per) {
            int images = Math.min(per, g.n - n0), rows = images * pixels, r0 = n0 * pixels;
            im2col(g, x, n0, images, col);
            for (int gr = 0; gr < g.groups; gr++) {
                be.gemm(true, false, patch, cog, rows, col, gr * patch, width, dy, r0 * g.cout + gr * cog, g.cout,
                        n0 == 0 ? 0f : 1f, dk, gr * cog, g.cout);
            }
        }
        return dk;
    }

    // Small patches: for each output pixel, gather its window xs (patch values, 0 in the padding),
    // then y[o, :] = b + sum over q of xs[q] * K[q, :], a broadcast FMA per kernel row on vectors of
    // output channels; dK[q, :] = sum over pixels of xs[q] * dy[o, :] likewise.

    private static final jdk.incubator.vector.VectorSpecies<Float> FS = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;

    /** Gathers the window of output pixel (n, i, j) into xs, in (kh, kw, c) order. */
    private static void window(Geom g, float[] x, int n, int i, int j, float[] xs) {
        int p = 0;
        for (int kh = 0; kh < g.kh; kh++) {
            int ih = i * g.sh - g.pt + kh * g.dh;
            for (int kw = 0; kw < g.kw; kw++) {
                int iw = j * g.sw - g.pl + kw * g.dw;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) {
                    for (int c = 0; c < g.c; c++) xs[p++] = 0f;
                } else {
                    int src = ((n * g.h + ih) * g.w + iw) * g.c;
                    for (int c = 0; c < g.c; c++) xs[p++] = x[src + c];
                }
            }
        }
    }

    static float[] smallPatchForward(Geom g, float[] x, float[] k, float[] bias) {
        int cout = g.cout, patch = g.patch(), l = FS.length(), vc = cout - cout % l;
        float[] y = new float[g.n * g.oh * g.ow * cout];
        Parallel.forRange(g.n * g.oh, Math.max(1, 2048 / Math.max(1, g.ow * cout / 16)), (from, to) -> {
            float[] xs = new float[patch];
            for (int row = from; row < to; row++) {
                int n = row / g.oh, i = row % g.oh;
                for (int j = 0; j < g.ow; j++) {
                    window(g, x, n, i, j, xs);
                    int o = (row * g.ow + j) * cout;
                    for (int v = 0; v < vc; v += l) {
                        var acc = bias == null ? jdk.incubator.vector.FloatVector.zero(FS) : jdk.incubator.vector.FloatVector.fromArray(FS, bias, v);
                        for (int q = 0; q < patch; q++) {
                            acc = jdk.incubator.vector.FloatVector.fromArray(FS, k, q * cout + v).fma(jdk.incubator.vector.FloatVector.broadcast(FS, xs[q]), acc);
                        }
                        acc.intoArray(y, o + v);
                    }
                    for (int v = vc; v < cout; v++) {
                        float s = bias == null ? 0f : bias[v];
                        for (int q = 0; q < patch; q++) s += xs[q] * k[q * cout + v];
                        y[o + v] = s;
                    }
                }
            }
        });
        return y;
    }

    static float[] smallPatchKernelGrad(Geom g, float[] x, float[] dy) {
        int cout = g.cout, patch = g.patch(), l = FS.length(), vc = cout - cout % l;
        int rows = g.n * g.oh, parts = Math.max(1, Math.min(Parallel.threads(), rows));
        float[][] partial = new float[parts][patch * cout];
        Parallel.forRange(parts, 1, (pFrom, pTo) -> {
            float[] xs = new float[patch];
            for (int part = pFrom; part < pTo; part++) {
                float[] dk = partial[part];
                int r0 = (int) ((long) rows * part / parts), r1 = (int) ((long) rows * (part + 1) / parts);
                for (int row = r0; row < r1; row++) {
                    int n = row / g.oh, i = row % g.oh;
                    for (int j = 0; j < g.ow; j++) {
                        window(g, x, n, i, j, xs);
                        int o = (row * g.ow + j) * cout;
                        for (int v = 0; v < vc; v += l) {
                            var d = jdk.incubator.vector.FloatVector.fromArray(FS, dy, o + v);
                            for (int q = 0; q < patch; q++) {
                                if (xs[q] == 0f) continue;
                                int at = q * cout + v;
                                d.fma(jdk.incubator.vector.FloatVector.broadcast(FS, xs[q]), jdk.incubator.vector.FloatVector.fromArray(FS, dk, at)).intoArray(dk, at);
                            }
                        }
                        for (int v = vc; v < cout; v++) {
                            float dv = dy[o + v];
                            for (int q = 0; q < patch; q++) dk[q * cout + v] += xs[q] * dv;
                        }
                    }
                }
            }
        });
        float[] dk = partial[0];
        Backend be = Backends.current();
        for (int part = 1; part < parts; part++) be.axpy(dk.length, 1f, partial[part], 0, dk, 0);
        return dk;
    }

    // Depthwise: groups == C, so output channel o = c*m + q (m = Cout / C) reads input channel c only,
    // and the kernel (KH, KW, 1, Cout) holds K[kh, kw, o] at (kh*KW + kw)*Cout + o. Each loop below
    // walks the window positions inside the input and runs along the contiguous channels.

    /** y[n, i, j, c*m + q] = b[c*m + q] + sum over (kh, kw) of x[n, i*sh - pt + kh*dh, j*sw - pl + kw*dw, c] K[kh, kw, c*m + q] */
    static float[] depthwiseForward(Geom g, float[] x, float[] k, float[] bias) {
        int c = g.c, cout = g.cout, m = cout / c;
        float[] y = new float[g.n * g.oh * g.ow * cout];
        int p = 0;
        for (int n = 0; n < g.n; n++) {
            for (int i = 0; i < g.oh; i++) {
                for (int j = 0; j < g.ow; j++, p += cout) {
                    if (bias != null) System.arraycopy(bias, 0, y, p, cout);
                    for (int kh = 0; kh < g.kh; kh++) {
                        int ih = i * g.sh - g.pt + kh * g.dh;
                        if (ih < 0 || ih >= g.h) continue;
                        for (int kw = 0; kw < g.kw; kw++) {
                            int iw = j * g.sw - g.pl + kw * g.dw;
                            if (iw < 0 || iw >= g.w) continue;
                            int s = ((n * g.h + ih) * g.w + iw) * c, kk = (kh * g.kw + kw) * cout;
                            if (m == 1) {
                                for (int ch = 0; ch < c; ch++) y[p + ch] += x[s + ch] * k[kk + ch];
                            } else {
                                for (int ch = 0; ch < c; ch++) {
                                    float xv = x[s + ch];
                                    for (int q = ch * m, end = q + m; q < end; q++) y[p + q] += xv * k[kk + q];
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    /** dx[n, ih, iw, c] += sum over q of dy[n, i, j, c*m + q] K[kh, kw, c*m + q], for every window position. */
    static float[] depthwiseInputGrad(Geom g, float[] dy, float[] k) {
        int c = g.c, cout = g.cout, m = cout / c;
        float[] dx = new float[g.n * g.h * g.w * c];
        int p = 0;
        for (int n = 0; n < g.n; n++) {
            for (int i = 0; i < g.oh; i++) {
                for (int j = 0; j < g.ow; j++, p += cout) {
                    for (int kh = 0; kh < g.kh; kh++) {
                        int ih = i * g.sh - g.pt + kh * g.dh;
                        if (ih < 0 || ih >= g.h) continue;
                        for (int kw = 0; kw < g.kw; kw++) {
                            int iw = j * g.sw - g.pl + kw * g.dw;
                            if (iw < 0 || iw >= g.w) continue;
                            int s = ((n * g.h + ih) * g.w + iw) * c, kk = (kh * g.kw + kw) * cout;
                            if (m == 1) {
                                for (int ch = 0; ch < c; ch++) dx[s + ch] += dy[p + ch] * k[kk + ch];
                            } else {
                                for (int ch = 0; ch < c; ch++) {
                                    float acc = 0f;
                                    for (int q = ch * m, end = q + m; q < end; q++) acc += dy[p + q] * k[kk + q];
                                    dx[s + ch] += acc;
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    /** dK[kh, kw, c*m + q] = sum over (n, i, j) of x[n, ih, iw, c] dy[n, i, j, c*m + q]. */
    static float[] depthwiseKernelGrad(Geom g, float[] x, float[] dy) {
        int c = g.c, cout = g.cout, m = cout / c;
        float[] dk = new float[g.kh * g.kw * cout];
        int p = 0;
        for (int n = 0; n < g.n; n++) {
            for (int i = 0; i < g.oh; i++) {
                for (int j = 0; j < g.ow; j++, p += cout) {
                    for (int kh = 0; kh < g.kh; kh++) {
                        int ih = i * g.sh - g.pt + kh * g.dh;
                        if (ih < 0 || ih >= g.h) continue;
                        for (int kw = 0; kw < g.kw; kw++) {
                            int iw = j * g.sw - g.pl + kw * g.dw;
                            if (iw < 0 || iw >= g.w) continue;
                            int s = ((n * g.h + ih) * g.w + iw) * c, kk = (kh * g.kw + kw) * cout;
                            if (m == 1) {
                                for (int ch = 0; ch < c; ch++) dk[kk + ch] += x[s + ch] * dy[p + ch];
                            } else {
                                for (int ch = 0; ch < c; ch++) {
                                    float xv = x[s + ch];
                                    for (int q = ch * m, end = q + m; q < end; q++) dk[kk + q] += xv * dy[p + q];
                                }
                            }
                        }
                    }
                }
            }
        }
        return dk;
    }

    /**
     * col[r, gr, kh, kw, c] = x[n, oh*sh - pt + kh*dh, ow*sw - pl + kw*dw, gr*cg + c], 0 outside the
     * input, for the rows r = (n - n0, oh, ow) of images n0 .. n0+images.
     */
    static void im2col(Geom g, float[] x, int n0, int images, float[] col) {
        int width = g.colWidth(), r = 0;
        for (int n = n0; n < n0 + images; n++) {
            for (int i = 0; i < g.oh; i++, r += g.ow) {
                if (g.groups == 1 && g.dw == 1) im2colRow(g, x, n, i, col, r * width);
                else im2colRowGeneral(g, x, n, i, col, r * width);
            }
        }
    }

    /**
     * One output row (n, i) of im2col when a kernel row (kw, c) is one run of the input (one group,
     * no horizontal dilation): per kh, a run of KW*C floats for each output pixel j, with the
     * pixels whose window lies wholly inside the row done without bounds checks.
     */
    private static void im2colRow(Geom g, float[] x, int n, int i, float[] col, int base) {
        int width = g.colWidth(), c = g.c, run = g.kw * c;
        // j in [jLo, jHi): the window j*sw - pl .. + kw - 1 lies inside [0, w)
        int jLo = Math.min(g.ow, (g.pl + g.sw - 1) / g.sw);
        int jHi = Math.max(jLo, Math.min(g.ow, g.w - g.kw + g.pl >= 0 ? (g.w - g.kw + g.pl) / g.sw + 1 : 0));
        for (int kh = 0; kh < g.kh; kh++) {
            int ih = i * g.sh - g.pt + kh * g.dh, dst0 = base + kh * run;
            if (ih < 0 || ih >= g.h) {
                for (int j = 0; j < g.ow; j++) Arrays.fill(col, dst0 + j * width, dst0 + j * width + run, 0f);
                continue;
            }
            int row = (n * g.h + ih) * g.w * c; // x[n, ih, 0, 0]
            for (int j = 0; j < jLo; j++) im2colEdge(g, x, row, j, col, dst0 + j * width);
            int step = g.sw * c, src = row + (jLo * g.sw - g.pl) * c, dst = dst0 + jLo * width;
            if (run >= 16) {
                for (int j = jLo; j < jHi; j++, src += step, dst += width) System.arraycopy(x, src, col, dst, run);
            } else {
                // short runs (few channels): one strided pass per element of the run, over the pixels
                int count = jHi - jLo;
                for (int t = 0; t < run; t++) {
                    for (int q = 0, sq = src + t, dq = dst + t; q < count; q++, sq += step, dq += width) col[dq] = x[sq];
                }
            }
            for (int j = jHi; j < g.ow; j++) im2colEdge(g, x, row, j, col, dst0 + j * width);
        }
    }

    /** One (kw, c) run for output pixel j whose window crosses the left or right edge. */
    private static void im2colEdge(Geom g, float[] x, int row, int j, float[] col, int dst) {
        int c = g.c, iw0 = j * g.sw - g.pl;
        int lo = Math.min(g.kw, Math.max(0, -iw0)), hi = Math.max(lo, Math.min(g.kw, g.w - iw0)); // kw in [lo, hi) lands inside
        Arrays.fill(col, dst, dst + lo * c, 0f);
        copy(x, row + (iw0 + lo) * c, col, dst + lo * c, (hi - lo) * c);
        Arrays.fill(col, dst + hi * c, dst + g.kw * c, 0f);
    }

    /** One output row (n, i) of im2col, any groups and dilation: col[r, gr, kh, kw, :] one cg-run at a time. */
    private static void im2colRowGeneral(Geom g, float[] x, int n, int i, float[] col, int base) {
        int patch = g.patch(), width = g.colWidth(), ih0 = i * g.sh - g.pt;
        for (int j = 0; j < g.ow; j++, base += width) {
            int iw0 = j * g.sw - g.pl;
            for (int gr = 0; gr < g.groups; gr++) {
                for (int kh = 0; kh < g.kh; kh++) {
                    int ih = ih0 + kh * g.dh;
                    for (int kw = 0; kw < g.kw; kw++) {
                        int iw = iw0 + kw * g.dw, dst = base + gr * patch + (kh * g.kw + kw) * g.cg;
                        if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) {
                            Arrays.fill(col, dst, dst + g.cg, 0f);
                        } else {
                            copy(x, ((n * g.h + ih) * g.w + iw) * g.c + gr * g.cg, col, dst, g.cg);
                        }
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: dx[n, ih, iw, gr*cg + c] += dcol[r, gr, kh, kw, c] over every patch that read it. */
    static void col2im(Geom g, float[] dcol, int n0, int images, float[] dx) {
        int width = g.colWidth(), r = 0;
        for (int n = n0; n < n0 + images; n++) {
            for (int i = 0; i < g.oh; i++, r += g.ow) {
                if (g.groups == 1 && g.dw == 1) col2imRow(g, dcol, n, i, dx, r * width);
                else col2imRowGeneral(g, dcol, n, i, dx, r * width);
            }
        }
    }

    /** The adjoint of {@link #im2colRow}: each (kw, c) run is added back to one run of dx. */
    private static void col2imRow(Geom g, float[] dcol, int n, int i, float[] dx, int base) {
        int width = g.colWidth(), c = g.c, run = g.kw * c;
        for (int kh = 0; kh < g.kh; kh++) {
            int ih = i * g.sh - g.pt + kh * g.dh;
            if (ih < 0 || ih >= g.h) continue;
            int row = (n * g.h + ih) * g.w * c, src = base + kh * run;
            for (int j = 0; j < g.ow; j++, src += width) {
                int iw0 = j * g.sw - g.pl;
                int lo = Math.min(g.kw, Math.max(0, -iw0)), hi = Math.max(lo, Math.min(g.kw, g.w - iw0)); // kw in [lo, hi) lands inside
                addTo(dcol, src + lo * c, dx, row + (iw0 + lo) * c, (hi - lo) * c);
            }
        }
    }

    /** The adjoint of {@link #im2colRowGeneral}. */
    private static void col2imRowGeneral(Geom g, float[] dcol, int n, int i, float[] dx, int base) {
        int patch = g.patch(), width = g.colWidth(), ih0 = i * g.sh - g.pt;
        for (int j = 0; j < g.ow; j++, base += width) {
            int iw0 = j * g.sw - g.pl;
            for (int gr = 0; gr < g.groups; gr++) {
                for (int kh = 0; kh < g.kh; kh++) {
                    int ih = ih0 + kh * g.dh;
                    if (ih < 0 || ih >= g.h) continue;
                    for (int kw = 0; kw < g.kw; kw++) {
                        int iw = iw0 + kw * g.dw;
                        if (iw < 0 || iw >= g.w) continue;
                        addTo(dcol, base + gr * patch + (kh * g.kw + kw) * g.cg, dx, ((n * g.h + ih) * g.w + iw) * g.c + gr * g.cg, g.cg);
                    }
                }
            }
        }
    }

    /** dst[d .. d+len) = src[s .. s+len); a loop for the short runs of narrow layers, where arraycopy's call costs more. */
    private static void copy(float[] src, int s, float[] dst, int d, int len) {
        if (len >= 16) {
            System.arraycopy(src, s, dst, d, len);
            return;
        }
        for (int i = 0; i < len; i++) dst[d + i] = src[s + i];
    }

    /** dst[d .. d+len) += src[s .. s+len) */
    private static void addTo(float[] src, int s, float[] dst, int d, int len) {
        for (int i = 0; i < len; i++) dst[d + i] += src[s + i];
    }

    /** y[r, :] += b for the rows of y[from .. from+len), a (rows, b.length) matrix. */
    static void addBias(float[] y, int from, int len, float[] b) {
        // b repeated over several rows, so that the backend adds long runs: one call per channel-wide
        // row would cost more than the adds for narrow layers (32 channels is two AVX-512 vectors).
        int channels = b.length, rowsPerTile = Math.max(1, 1024 / channels);
        float[] tile = new float[Math.min(len, rowsPerTile * channels)];
        for (int off = 0; off < tile.length; off += channels) System.arraycopy(b, 0, tile, off, channels);
        Backend be = Backends.current();
        for (int off = from, end = from + len; off < end; off += tile.length) {
            int n = Math.min(tile.length, end - off);
            be.binary(BinaryOp.ADD, y, off, 1, tile, 0, 1, y, off, n);
        }
    }

    /** db = sum of the rows of dy (rows, channels). */
    static float[] biasGrad(float[] dy, int channels) {
        float[] db = new float[channels];
        Backend be = Backends.current();
        for (int off = 0; off < dy.length; off += channels) be.axpy(channels, 1f, dy, off, db, 0);
        return db;
    }

    // ------------------------------------------------------------------ checks and helpers

    /** The tensor's elements in row-major order: its own array when that already is, else a copy. */
    static float[] dense(String op, Tensor t) {
        if (t.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": expected a float32 tensor, got " + t.dtype() + " of shape " + desc(t) + "; convert it with toFloat()");
        }
        if (t.isContiguous() && t.offset() == 0) {
            float[] d = t.floatData();
            if (d.length >= t.numel()) return d;
        }
        return t.toFloatArray();
    }

    static String desc(Tensor t) {
        return Shape.format(t.shape());
    }

    /** "5x7", or "7" for a 1-D op (whose height axis is a stand-in of size 1). */
    static String spatial(boolean oneD, int a, int b) {
        return oneD ? Integer.toString(b) : a + "x" + b;
    }

    static void requireRank(String op, String what, Tensor t, int rank, String layout) {
        if (t == null) throw new IllegalArgumentException(op + ": " + what + " must not be null");
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + what + " must be " + rank + "-D " + layout + ", got shape " + desc(t));
        }
    }

    static void requirePair(String op, String what, int[] v) {
        if (v == null || v.length != 2) {
            throw new IllegalArgumentException(op + ": " + what + " must have 2 values (height, width), got " + Arrays.toString(v));
        }
        requirePositive(op, what, v[0]);
        requirePositive(op, what, v[1]);
    }

    static void requirePositive(String op, String what, int v) {
        if (v < 1) throw new IllegalArgumentException(op + ": " + what + " must be positive, got " + v);
    }

    static void requirePadding(String op, Padding padding) {
        if (padding == null) throw new IllegalArgumentException(op + ": padding must not be null; use Padding.VALID or Padding.SAME");
    }

    static void require1dPadding(String op, Padding padding) {
        requirePadding(op, padding);
        if (padding instanceof Padding.Explicit e && (e.top() != 0 || e.bottom() != 0)) {
            throw new IllegalArgumentException(op + ": 1-D explicit padding has only (before, after) amounts; use Padding.explicit("
                    + e.left() + ", " + e.right() + "), got " + padding);
        }
    }

    private static void requireBias(String op, Tensor bias, int channels) {
        if (bias == null) return;
        if (bias.rank() != 1 || bias.size(0) != channels) {
            throw new IllegalArgumentException(op + ": bias " + desc(bias) + " must have shape (" + channels + ",), one value per output channel");
        }
    }
}
