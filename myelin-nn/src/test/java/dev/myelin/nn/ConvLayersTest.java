package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Conv2DTranspose;
import dev.myelin.nn.layers.DepthwiseConv2D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.SeparableConv2D;
import dev.myelin.nn.regularizers.Regularizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Convolution layers: the shared harness, then outputs against direct loops over the definitions, in double. */
class ConvLayersTest {

    // ------------------------------------------------------------------ harness

    @Test
    void harness() {
        LayerHarness.check(() -> new Conv2D(4, 3, "relu"), new int[]{2, 6, 6, 3}, 3 * 3 * 3 * 4 + 4);
        LayerHarness.check(() -> new Conv2D(4, new int[]{2, 3}).strides(2).padding("same").useBias(false), new int[]{2, 5, 7, 2}, 2 * 3 * 2 * 4);
        LayerHarness.check(() -> new Conv2D(4, 3).groups(2), new int[]{2, 5, 5, 4}, 3 * 3 * 2 * 4 + 4);
        LayerHarness.check(() -> new Conv2D(2, 3).dilationRate(2), new int[]{2, 7, 7, 1}, 3 * 3 * 1 * 2 + 2);
        LayerHarness.check(() -> new Conv1D(3, 3, "tanh"), new int[]{2, 8, 2}, 3 * 2 * 3 + 3);
        LayerHarness.check(() -> new Conv1D(2, 2).padding("causal").dilationRate(2), new int[]{2, 6, 3}, 2 * 3 * 2 + 2);
        LayerHarness.check(() -> new Conv2DTranspose(3, 3).strides(2).padding("same"), new int[]{2, 4, 4, 2}, 3 * 3 * 3 * 2 + 3);
        LayerHarness.check(() -> new Conv2DTranspose(2, 3, "relu").strides(2).outputPadding(1), new int[]{2, 3, 3, 2}, 3 * 3 * 2 * 2 + 2);
        LayerHarness.check(() -> new DepthwiseConv2D(3).depthMultiplier(2), new int[]{2, 5, 5, 3}, 3 * 3 * 3 * 2 + 3 * 2);
        LayerHarness.check(() -> new SeparableConv2D(4, 3).depthMultiplier(2).padding("same"), new int[]{2, 5, 5, 3},
                3 * 3 * 3 * 2 + 3 * 2 * 4 + 4);
    }

    // ------------------------------------------------------------------ values

    /**
     * y[n, i, j, o] = b[o] + sum of x[n, i*s - top + kh*d, j*s - left + kw*d, g*cg + c] * K[kh, kw, c, o],
     * g = o / (cout / groups), zero outside the input.
     */
    static double[] naiveConv2d(Tensor x, Tensor k, Tensor b, int[] s, int[] d, int top, int left, int oh, int ow, int groups) {
        int n = x.size(0), h = x.size(1), w = x.size(2), kh = k.size(0), kw = k.size(1), cg = k.size(2), cout = k.size(3);
        int perGroup = cout / groups;
        double[] y = new double[n * oh * ow * cout];
        for (int bi = 0; bi < n; bi++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int o = 0; o < cout; o++) {
                        double acc = b == null ? 0 : b.get(o);
                        int g = o / perGroup;
                        for (int a = 0; a < kh; a++)
                            for (int e = 0; e < kw; e++)
                                for (int c = 0; c < cg; c++) {
                                    int r = i * s[0] - top + a * d[0], q = j * s[1] - left + e * d[1];
                                    if (r < 0 || r >= h || q < 0 || q >= w) continue;
                                    acc += (double) x.get(bi, r, q, g * cg + c) * k.get(a, e, c, o);
                                }
                        y[((bi * oh + i) * ow + j) * cout + o] = acc;
                    }
        return y;
    }

    static void assertClose(double[] expected, Tensor actual, double tol, String what) {
        float[] a = actual.toFloatArray();
        assertEquals(expected.length, a.length, what + ": size");
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], tol * (1 + Math.abs(expected[i])), what + ": element " + i);
        }
    }

    static double relu(double v) {
        return Math.max(v, 0);
    }

    /** A random bias instead of the zeros it starts with, so the test sees it added. */
    static void randomize(Parameter p, long seed) {
        p.assign(Tensor.randn(new Rng(seed), p.shape()));
    }

    @Test
    void conv2dValidEqualsTheDefinitionWithBiasAndActivation() {
        Tensor x = Tensor.randn(new Rng(1), 2, 6, 5, 3);
        Conv2D conv = new Conv2D(4, new int[]{3, 2}, "relu");
        conv.apply(x); // builds
        randomize(conv.bias(), 9);
        Tensor y = conv.apply(x);
        assertArrayEquals(new int[]{2, 4, 4, 4}, y.shape());
        double[] ref = naiveConv2d(x, conv.kernel().value(), conv.bias().value(), new int[]{1, 1}, new int[]{1, 1}, 0, 0, 4, 4, 1);
        for (int i = 0; i < ref.length; i++) ref[i] = relu(ref[i]);
        assertClose(ref, y, 1e-5, "Conv2D valid");
        assertArrayEquals(new int[]{3, 2, 3, 4}, conv.kernel().shape(), "Keras kernel layout (kh, kw, in, filters)");
    }

    @Test
    void conv2dSameStridedDilatedGrouped() {
        Tensor x = Tensor.randn(new Rng(2), 2, 7, 6, 4);
        // same, stride 2: out = ceil(7/2) = 4, ceil(6/2) = 3; padding needed (4-1)*2+3-7 = 2 -> top 1; (3-1)*2+3-6 = 1 -> left 0
        Conv2D conv = new Conv2D(6, 3).strides(2).padding("same").groups(2);
        conv.apply(x);
        randomize(conv.bias(), 3);
        Tensor y = conv.apply(x);
        assertArrayEquals(new int[]{2, 4, 3, 6}, y.shape());
        assertArrayEquals(new int[]{3, 3, 2, 6}, conv.kernel().shape(), "kernel (kh, kw, in / groups, filters)");
        assertClose(naiveConv2d(x, conv.kernel().value(), conv.bias().value(), new int[]{2, 2}, new int[]{1, 1}, 1, 0, 4, 3, 2), y, 1e-5,
                "Conv2D same/stride/groups");

        // dilation 2, same: extent 5, out = in = 6 x 5; padding 4 -> top 2, 4 -> left 2
        Tensor x2 = Tensor.randn(new Rng(4), 1, 6, 5, 2);
        Conv2D dil = new Conv2D(3, 3).dilationRate(2).padding("same");
        Tensor y2 = dil.apply(x2);
        assertArrayEquals(new int[]{1, 6, 5, 3}, y2.shape());
        assertClose(naiveConv2d(x2, dil.kernel().value(), null, new int[]{1, 1}, new int[]{2, 2}, 2, 2, 6, 5, 1), y2, 1e-5, "Conv2D dilated");
    }

    @Test
    void conv1dCausalSeesOnlyThePast() {
        Tensor x = Tensor.randn(new Rng(5), 2, 7, 3);
        Conv1D conv = new Conv1D(2, 3).padding("causal").dilationRate(2);
        conv.apply(x);
        randomize(conv.bias(), 6);
        Tensor y = conv.apply(x);
        assertArrayEquals(new int[]{2, 7, 2}, y.shape());
        Tensor k = conv.kernel().value(); // (3, 3, 2)
        assertArrayEquals(new int[]{3, 3, 2}, k.shape());
        // y[t] = b + sum_k x[t - (K-1-k)*d] K[k]: (K-1)*d = 4 zeros before the sequence
        double[] ref = new double[2 * 7 * 2];
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 7; t++)
                for (int o = 0; o < 2; o++) {
                    double acc = conv.bias().value().get(o);
                    for (int a = 0; a < 3; a++) {
                        int src = t - (2 - a) * 2;
                        if (src < 0) continue;
                        for (int c = 0; c < 3; c++) acc += (double) x.get(b, src, c) * k.get(a, c, o);
                    }
                    ref[(b * 7 + t) * 2 + o] = acc;
                }
        assertClose(ref, y, 1e-5, "Conv1D causal dilated");

        // a change at step 4 leaves steps 0..3 alone
        Tensor x2 = x.copy();
        x2.set(x2.get(0, 4, 1) + 10f, 0, 4, 1);
        Tensor y2 = conv.apply(x2);
        for (int t = 0; t < 4; t++) for (int o = 0; o < 2; o++) assertEquals(y.get(0, t, o), y2.get(0, t, o), 0f);
        assertNotEquals(y.get(0, 4, 0), y2.get(0, 4, 0));
    }

    @Test
    void conv1dValidStrided() {
        Tensor x = Tensor.randn(new Rng(7), 2, 9, 2);
        Conv1D conv = new Conv1D(3, 4, "relu").strides(2);
        Tensor y = conv.apply(x);
        assertArrayEquals(new int[]{2, 3, 3}, y.shape()); // floor((9 - 4) / 2) + 1
        // as a (1, L) image: the 2-D definition with kernel (1, 4, 2, 3)
        double[] ref = naiveConv2d(x.unsqueeze(1), conv.kernel().value().unsqueeze(0), conv.bias().value(),
                new int[]{1, 2}, new int[]{1, 1}, 0, 0, 1, 3, 1);
        for (int i = 0; i < ref.length; i++) ref[i] = relu(ref[i]);
        assertClose(ref, y, 1e-5, "Conv1D strided");
    }

    /** y[n, i*s + kh*d - top, j*s + kw*d - left, o] += x[n, i, j, c] * K[kh, kw, o, c], then + b. */
    static double[] naiveConvTranspose2d(Tensor x, Tensor k, Tensor b, int s, int top, int left, int oh, int ow) {
        int n = x.size(0), h = x.size(1), w = x.size(2), cin = x.size(3), kh = k.size(0), kw = k.size(1), cout = k.size(2);
        double[] y = new double[n * oh * ow * cout];
        for (int bi = 0; bi < n; bi++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int a = 0; a < kh; a++)
                        for (int e = 0; e < kw; e++) {
                            int r = i * s + a - top, q = j * s + e - left;
                            if (r < 0 || r >= oh || q < 0 || q >= ow) continue;
                            for (int o = 0; o < cout; o++)
                                for (int c = 0; c < cin; c++)
                                    y[((bi * oh + r) * ow + q) * cout + o] += (double) x.get(bi, i, j, c) * k.get(a, e, o, c);
                        }
        if (b != null) for (int p = 0; p < y.length; p++) y[p] += b.get(p % cout);
        return y;
    }

    @Test
    void conv2dTransposeUpsamplesLikeKeras() {
        Tensor x = Tensor.randn(new Rng(8), 2, 3, 4, 2);
        // valid, stride 2, kernel 3: out = in*2 + max(3-2, 0) = 7 x 9
        Conv2DTranspose valid = new Conv2DTranspose(3, 3).strides(2);
        valid.apply(x);
        randomize(valid.bias(), 10);
        Tensor y = valid.apply(x);
        assertArrayEquals(new int[]{2, 7, 9, 3}, y.shape());
        assertArrayEquals(new int[]{3, 3, 3, 2}, valid.kernel().shape(), "kernel (kh, kw, filters, in)");
        assertClose(naiveConvTranspose2d(x, valid.kernel().value(), valid.bias().value(), 2, 0, 0, 7, 9), y, 1e-5, "Conv2DTranspose valid");

        // same, stride 2: out = in*2 = 6 x 8; the forward convolution from 6 needs (3-1)*2+3-6 = 1 row of padding -> top 0
        Conv2DTranspose same = new Conv2DTranspose(2, 3).strides(2).padding("same");
        Tensor ys = same.apply(x);
        assertArrayEquals(new int[]{2, 6, 8, 2}, ys.shape());
        assertClose(naiveConvTranspose2d(x, same.kernel().value(), same.bias().value(), 2, 0, 0, 6, 8), ys, 1e-5, "Conv2DTranspose same");

        // output padding 1 with valid: (in-1)*s + k + p = 2*2 + 3 + 1 = 8 x 10
        Conv2DTranspose op = new Conv2DTranspose(2, 3).strides(2).outputPadding(1);
        Tensor yo = op.apply(x);
        assertArrayEquals(new int[]{2, 8, 10, 2}, yo.shape());
        assertClose(naiveConvTranspose2d(x, op.kernel().value(), op.bias().value(), 2, 0, 0, 8, 10), yo, 1e-5, "Conv2DTranspose output padding");
    }

    @Test
    void depthwiseConvolvesEachChannelWithItsOwnFilters() {
        Tensor x = Tensor.randn(new Rng(11), 2, 5, 6, 3);
        DepthwiseConv2D dw = new DepthwiseConv2D(3, "relu").depthMultiplier(2).strides(1, 2);
        dw.apply(x);
        randomize(dw.bias(), 12);
        Tensor y = dw.apply(x);
        assertArrayEquals(new int[]{2, 3, 2, 6}, y.shape());
        Tensor k = dw.kernel().value(); // (3, 3, 3, 2)
        assertArrayEquals(new int[]{3, 3, 3, 2}, k.shape());
        // y[n, i, j, c*dm + m] = relu(b[c*dm + m] + sum x[n, i + a, 2j + e, c] K[a, e, c, m])
        double[] ref = new double[2 * 3 * 2 * 6];
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                    for (int c = 0; c < 3; c++)
                        for (int m = 0; m < 2; m++) {
                            double acc = dw.bias().value().get(c * 2 + m);
                            for (int a = 0; a < 3; a++)
                                for (int e = 0; e < 3; e++) acc += (double) x.get(n, i + a, 2 * j + e, c) * k.get(a, e, c, m);
                            ref[((n * 3 + i) * 2 + j) * 6 + c * 2 + m] = relu(acc);
                        }
        assertClose(ref, y, 1e-5, "DepthwiseConv2D");
    }

    @Test
    void separableIsDepthwiseThenPointwise() {
        Tensor x = Tensor.randn(new Rng(13), 2, 5, 5, 3);
        SeparableConv2D sep = new SeparableConv2D(4, 3).depthMultiplier(2);
        sep.apply(x);
        randomize(sep.bias(), 14);
        Tensor y = sep.apply(x);
        assertArrayEquals(new int[]{2, 3, 3, 4}, y.shape());
        Tensor dk = sep.depthwiseKernel().value(), pk = sep.pointwiseKernel().value();
        assertArrayEquals(new int[]{3, 3, 3, 2}, dk.shape());
        assertArrayEquals(new int[]{1, 1, 6, 4}, pk.shape());
        double[] ref = new double[2 * 3 * 3 * 4];
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) {
                    double[] h = new double[6]; // depthwise, channel c*dm + m
                    for (int c = 0; c < 3; c++)
                        for (int m = 0; m < 2; m++)
                            for (int a = 0; a < 3; a++)
                                for (int e = 0; e < 3; e++) h[c * 2 + m] += (double) x.get(n, i + a, j + e, c) * dk.get(a, e, c, m);
                    for (int o = 0; o < 4; o++) {
                        double acc = sep.bias().value().get(o);
                        for (int q = 0; q < 6; q++) acc += h[q] * pk.get(0, 0, q, o);
                        ref[((n * 3 + i) * 3 + j) * 4 + o] = acc;
                    }
                }
        assertClose(ref, y, 1e-5, "SeparableConv2D");
    }

    // ------------------------------------------------------------------ config and errors

    @Test
    void configUsesKerasKeys() {
        Conv2D c = new Conv2D(8, 3, "relu").strides(2).padding("same").kernelRegularizer(Regularizer.l2(1e-4f));
        Map<String, Object> m = c.config();
        assertEquals(8, m.get("filters"));
        assertEquals(List.of(3, 3), m.get("kernel_size"));
        assertEquals(List.of(2, 2), m.get("strides"));
        assertEquals("same", m.get("padding"));
        assertEquals(List.of(1, 1), m.get("dilation_rate"));
        assertEquals(1, m.get("groups"));
        assertEquals("relu", m.get("activation"));
        assertEquals(true, m.get("use_bias"));
        assertEquals("channels_last", m.get("data_format"));
        assertNotNull(m.get("kernel_regularizer"));
        Conv2D back = (Conv2D) Layers.fromConfig(Layers.toConfig(c));
        assertEquals(Layers.toConfig(c), Layers.toConfig(back));

        Map<String, Object> dw = new DepthwiseConv2D(3).depthMultiplier(2).config();
        assertEquals(2, dw.get("depth_multiplier"));
        assertTrue(dw.containsKey("depthwise_initializer"), dw.toString());
        Map<String, Object> sep = new SeparableConv2D(4, 3).config();
        assertTrue(sep.containsKey("pointwise_initializer") && sep.containsKey("depthwise_initializer"), sep.toString());
        assertEquals(List.of(1, 1), new Conv2DTranspose(2, 3).strides(2).outputPadding(1, 1).config().get("output_padding"));

        var e = assertThrows(IllegalArgumentException.class, () -> Conv2D.fromConfig(Map.of("filters", 2, "kernel_size", List.of(3, 3),
                "data_format", "channels_first")));
        assertTrue(e.getMessage().contains("channels_last"), e.getMessage());
    }

    @Test
    void badArgumentsAndInputsNameTheLayerAndShapes() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(4, new int[]{3, 3, 3}));
        var p = assertThrows(IllegalArgumentException.class, () -> new Conv2D(4, 3).padding("causal"));
        assertTrue(p.getMessage().contains("\"valid\" or \"same\""), p.getMessage());
        new Conv1D(4, 3).padding("CAUSAL"); // Keras lower-cases the padding
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(4, 3).groups(3));

        var rank = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(784), new Conv2D(4, 3)));
        assertTrue(rank.getMessage().contains("(Conv2D)") && rank.getMessage().contains("(None, height, width, channels)")
                && rank.getMessage().contains("(None, 784)"), rank.getMessage());

        var small = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(2, 2, 1), new Conv2D(4, 3)));
        assertTrue(small.getMessage().contains("too small") && small.getMessage().contains("(None, 2, 2, 1)"), small.getMessage());

        var groups = assertThrows(IllegalArgumentException.class, () -> new Conv2D(4, 3).groups(2).apply(Tensor.zeros(1, 5, 5, 3)));
        assertTrue(groups.getMessage().contains("3 channels") && groups.getMessage().contains("2 groups"), groups.getMessage());

        Conv2D conv = new Conv2D(2, 3);
        conv.apply(Tensor.zeros(1, 6, 6, 3));
        var channels = assertThrows(IllegalArgumentException.class, () -> conv.apply(Tensor.zeros(2, 6, 6, 5)));
        assertTrue(channels.getMessage().contains("expected input shape (None, 6, 6, 3), got (2, 6, 6, 5)"), channels.getMessage());
        // other spatial sizes are fine, as in Keras
        assertArrayEquals(new int[]{1, 6, 8, 2}, conv.apply(Tensor.zeros(1, 8, 10, 3)).shape());

        var op = assertThrows(IllegalArgumentException.class, () -> new Conv2DTranspose(2, 3).outputPadding(1).apply(Tensor.zeros(1, 3, 3, 1)));
        assertTrue(op.getMessage().contains("smaller than the strides"), op.getMessage());
    }

    @Test
    void unknownSpatialSizesStayUnknown() {
        Sequential m = new Sequential(new InputLayer(-1, -1, 3), new Conv2D(4, 3).padding("same"), new Conv2DTranspose(2, 3).strides(2));
        assertArrayEquals(new int[]{-1, -1, 2}, m.outputShapes().get(0));
        assertTrue(m.summary().contains("(None, None, None, 4)"), m.summary());
        // Keras's default names
        assertTrue(m.summary().contains("conv2d (Conv2D)") && m.summary().contains("conv2d_transpose (Conv2DTranspose)"), m.summary());
        assertEquals("depthwise_conv2d", new DepthwiseConv2D(3).defaultName());
        assertEquals("separable_conv2d", new SeparableConv2D(2, 3).defaultName());
        assertEquals("conv1d", new Conv1D(2, 3).defaultName());
        assertArrayEquals(new int[]{1, 11, 9, 2}, m.predict(Tensor.zeros(1, 5, 4, 3)).shape());
    }
}
