package dev.myelin.compress;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Layers;
import dev.myelin.nn.layers.Conv1D;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quantized layers against the float layers they replace. Each output is one dot product of K
 * (= input features, or kh*kw*channels for a convolution) quantized activations with quantized
 * weights, so the bound of {@code Int8KernelTest#quantizedProductStaysWithinTheDerivedBound}
 * applies per output: |err| <= 311 sa sw sqrt(K) (six standard deviations of the rounding
 * random walk) with sa the activation scale of that row or image and sw the output channel's.
 * The bias is added in float after the product, so it adds only rounding.
 */
class QuantizedLayersTest {

    private static void assertWithinBound(float[] want, float[] got, int outChannels, int k, java.util.function.IntToDoubleFunction rowScale,
                                          QTensor w, String what) {
        assertEquals(want.length, got.length, what + ": output size");
        for (int i = 0; i < want.length; i++) {
            int row = i / outChannels, ch = i % outChannels;
            double bound = 311 * rowScale.applyAsDouble(row) * w.scale(ch) * Math.sqrt(k) + 1e-5 * (1 + Math.abs(want[i]));
            assertTrue(Math.abs(want[i] - got[i]) <= bound, what + ": output " + i + " is " + got[i] + ", float gives " + want[i] + ", bound " + bound);
        }
    }

    /** max|x| / 127 over each block of {@code block} values. */
    private static double[] blockScales(Tensor x, int block) {
        float[] d = x.toFloatArray();
        double[] s = new double[d.length / block];
        for (int b = 0; b < s.length; b++) {
            float m = 0;
            for (int i = 0; i < block; i++) m = Math.max(m, Math.abs(d[b * block + i]));
            s[b] = m / 127.0;
        }
        return s;
    }

    @Test
    void denseMatchesFloatWithinTheBound() {
        Rng rng = new Rng(1);
        for (int in : new int[]{1, 3, 17, 33, 255}) {
            for (int units : new int[]{1, 17, 33}) {
                Dense d = new Dense(units);
                d.seed(in * 100L + units);
                Tensor x = Tensor.randn(rng, 3, 5, in);   // rank 3: the same weights at every step
                Tensor want = d.apply(x);
                d.bias().assign(Tensor.randn(rng, units));
                want = d.apply(x);
                QuantizedDense q = QuantizedDense.from(d);
                Tensor got = q.apply(x);
                assertArrayEquals(new int[]{3, 5, units}, got.shape());
                double[] sa = blockScales(x, in);
                assertWithinBound(want.toFloatArray(), got.toFloatArray(), units, in, r -> sa[r], q.kernel(), "Dense in=" + in + " units=" + units);
            }
        }
    }

    @Test
    void activationIsAppliedAfterTheProduct() {
        Dense d = new Dense(4, "relu");
        Tensor x = Tensor.randn(new Rng(2), 6, 3);
        d.apply(x);
        Tensor got = QuantizedDense.from(d).apply(x);
        for (float v : got.toFloatArray()) assertTrue(v >= 0);
    }

    @Test
    void conv2dMatchesFloatWithinTheBound() {
        Rng rng = new Rng(3);
        // (filters, kernel, strides, padding, dilation, h, w, channels)
        Object[][] cases = {
                {17, 3, 1, "valid", 1, 7, 5, 3},
                {1, 1, 1, "valid", 1, 4, 3, 17},       // pointwise: no im2col
                {33, 3, 2, "same", 1, 17, 3, 1},
                {3, 5, 1, "same", 2, 9, 11, 2},
                {8, 2, 3, "valid", 1, 8, 8, 33},
        };
        for (Object[] c : cases) {
            int filters = (int) c[0], k = (int) c[1], s = (int) c[2], dil = (int) c[4], h = (int) c[5], w = (int) c[6], ch = (int) c[7];
            Conv2D conv = new Conv2D(filters, k).strides(s).padding((String) c[3]).dilationRate(dil);
            Tensor x = Tensor.randn(rng, 2, h, w, ch);
            conv.apply(x);
            conv.bias().assign(Tensor.randn(rng, filters));
            Tensor want = conv.apply(x);
            QuantizedConv2D q = QuantizedConv2D.from(conv);
            Tensor got = q.apply(x);
            assertArrayEquals(want.shape(), got.shape());
            double[] sa = blockScales(x, h * w * ch);
            int pixels = want.size(1) * want.size(2);
            assertWithinBound(want.toFloatArray(), got.toFloatArray(), filters, k * k * ch, r -> sa[r / pixels], q.kernel(), "Conv2D " + java.util.Arrays.toString(c));
        }
    }

    /**
     * The int8 convolution (quantize per image, im2col, int8 product, fused rescale) against a direct
     * convolution written from the definition over the same quantized values: the integer sums are
     * exact and the rescale uses the same float roundings, so the two agree bit for bit. Several
     * images so that im2col steps from one image into the next; borders, strides and dilation so
     * that every branch of im2col (rows above/below, columns left/right, whole-row runs) is taken.
     */
    @Test
    void conv2dEqualsDirectConvolutionOverTheQuantizedValues() {
        Rng rng = new Rng(13);
        // (filters, kernel, strides, padding, dilation, h, w, channels)
        Object[][] cases = {
                {32, 3, 1, "valid", 1, 28, 28, 1},     // the MNIST convnet's first layer
                {5, 3, 1, "same", 1, 7, 9, 3},
                {3, 2, 2, "same", 1, 5, 5, 17},
                {4, 3, 1, "same", 2, 6, 7, 2},
                {17, 1, 2, "valid", 1, 5, 4, 33},
        };
        for (Object[] c : cases) {
            int filters = (int) c[0], k = (int) c[1], s = (int) c[2], dil = (int) c[4], h = (int) c[5], w = (int) c[6], ch = (int) c[7];
            boolean same = c[3].equals("same");
            Conv2D conv = new Conv2D(filters, k, "relu").strides(s).padding((String) c[3]).dilationRate(dil);
            int n = 3;
            Tensor x = Tensor.randn(rng, n, h, w, ch);
            conv.apply(x);
            conv.bias().assign(Tensor.randn(rng, filters));
            QuantizedConv2D q = QuantizedConv2D.from(conv);
            float[] got = q.apply(x).toFloatArray();
            QTensor wq = q.kernel();
            float[] bias = q.bias().value().toFloatArray(), xd = x.toFloatArray();
            int win = (k - 1) * dil + 1;
            int oh = same ? (h + s - 1) / s : (h - win) / s + 1, ow = same ? (w + s - 1) / s : (w - win) / s + 1;
            int top = same ? Math.max((oh - 1) * s + win - h, 0) / 2 : 0, left = same ? Math.max((ow - 1) * s + win - w, 0) / 2 : 0;
            assertEquals(n * oh * ow * filters, got.length, java.util.Arrays.toString(c));
            byte[] xq = new byte[h * w * ch];
            for (int img = 0; img < n; img++) {
                float sa = QTensor.quantizeRow(xd, img * h * w * ch, h * w * ch, xq, 0);
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        for (int f = 0; f < filters; f++) {
                            int dot = 0;
                            for (int a = 0; a < k; a++) {
                                for (int bb = 0; bb < k; bb++) {
                                    int ih = i * s - top + a * dil, iw = j * s - left + bb * dil;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                    for (int cc = 0; cc < ch; cc++) dot += xq[(ih * w + iw) * ch + cc] * wq.value(f, (a * k + bb) * ch + cc);
                                }
                            }
                            float want = Math.max(0f, dot * (wq.scale(f) * sa) + bias[f]);
                            assertEquals(want, got[((img * oh + i) * ow + j) * filters + f], java.util.Arrays.toString(c) + " at image " + img + " (" + i + ", " + j + ") filter " + f);
                        }
                    }
                }
            }
        }
    }

    @Test
    void conv1dMatchesFloatWithinTheBoundForEveryPadding() {
        Rng rng = new Rng(4);
        for (String padding : new String[]{"valid", "same", "causal"}) {
            for (int stride : new int[]{1, 2}) {
                Conv1D conv = new Conv1D(5, 3).strides(stride).padding(padding).dilationRate(stride == 1 ? 2 : 1);
                Tensor x = Tensor.randn(rng, 3, 17, 4);
                conv.apply(x);
                Tensor want = conv.apply(x);
                QuantizedConv1D q = QuantizedConv1D.from(conv);
                Tensor got = q.apply(x);
                assertArrayEquals(want.shape(), got.shape(), padding + " stride " + stride);
                double[] sa = blockScales(x, 17 * 4);
                int steps = want.size(1);
                assertWithinBound(want.toFloatArray(), got.toFloatArray(), 5, 3 * 4, r -> sa[r / steps], q.kernel(), "Conv1D " + padding + " stride " + stride);
            }
        }
    }

    @Test
    void batchCompositionDoesNotChangeResults() {
        // per-sample activation scales: a sample's output is the same alone or in a batch
        Rng rng = new Rng(5);
        Conv2D conv = new Conv2D(4, 3).padding("same");
        Tensor x = Tensor.randn(rng, 3, 6, 6, 2);
        conv.apply(x);
        QuantizedConv2D q = QuantizedConv2D.from(conv);
        float[] all = q.apply(x).toFloatArray();
        float[] one = q.apply(x.slice(0, 1, 2)).toFloatArray();
        assertArrayEquals(one, java.util.Arrays.copyOfRange(all, one.length, 2 * one.length));
    }

    @Test
    void embeddingRowsAreWithinHalfAStepOfTheFloatTable() {
        Embedding e = new Embedding(17, 33).maskZero(true);
        Tensor ids = Tensor.ofInts(new int[]{0, 3, 16, 5, 0, 1}, 2, 3);
        Tensor want = e.apply(ids);
        QuantizedEmbedding q = QuantizedEmbedding.from(e);
        Tensor got = q.apply(ids);
        assertArrayEquals(new int[]{2, 3, 33}, got.shape());
        float[] w = want.toFloatArray(), g = got.toFloatArray();
        int[] idv = ids.toIntArray();
        for (int i = 0; i < w.length; i++) {
            float scale = q.table().scale(idv[i / 33]);
            assertTrue(Math.abs(w[i] - g[i]) <= 0.5f * scale * (1 + 1e-5f), "value " + i);
        }
        assertArrayEquals(e.computeMask(List.of(ids), null).toFloatArray(), q.computeMask(List.of(ids), null).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> q.apply(Tensor.ofInts(new int[]{17}, 1, 1)));
    }

    @Test
    void configsRoundTripThroughTheRegistry() {
        QuantizedLayers.register();
        Layer[] layers = {
                new QuantizedDense(7, "relu", false).name("a"),
                new QuantizedConv2D(3, new int[]{3, 2}, new int[]{2}, "same", new int[]{1}, null, true).name("b"),
                new QuantizedConv1D(3, new int[]{3}, new int[]{1}, "causal", new int[]{2}, "tanh", true).name("c"),
                new QuantizedEmbedding(10, 4, true).name("d"),
                new QatDense(5, "relu").name("e"),
                new QatConv2D(2, new int[]{3}, new int[]{1}, "valid", new int[]{1}, null, false).name("f"),
                new FakeQuant().momentum(0.9f).name("g"),
        };
        for (Layer l : layers) {
            Layer back = Layers.fromConfig(Layers.toConfig(l));
            assertInstanceOf(l.getClass(), back);
            assertEquals(l.config(), back.config());
        }
    }

    @Test
    void quantizedLayersRefuseTraining() {
        Dense d = new Dense(2);
        Tensor x = Tensor.randn(new Rng(6), 1, 3);
        d.apply(x);
        QuantizedDense q = QuantizedDense.from(d);
        assertThrows(IllegalStateException.class, () -> q.apply(x, Context.training(new Rng(1))));
    }
}
