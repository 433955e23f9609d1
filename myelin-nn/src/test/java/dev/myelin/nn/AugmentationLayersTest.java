package dev.myelin.nn;

import dev.myelin.core.GradCheck;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.layers.GaussianNoise;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.RandomBrightness;
import dev.myelin.nn.layers.RandomContrast;
import dev.myelin.nn.layers.RandomCrop;
import dev.myelin.nn.layers.RandomFlip;
import dev.myelin.nn.layers.RandomRotation;
import dev.myelin.nn.layers.RandomTimeShift;
import dev.myelin.nn.layers.RandomTranslation;
import dev.myelin.nn.layers.RandomZoom;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The augmentation layers: the identity at inference, reproducible for a seed in training, and
 * the transforms checked against answers worked out here by hand or from Keras's formulas.
 */
class AugmentationLayersTest {

    /** (batch, h, w, c) with x[b, i, j, k] = 100 b + 10 i + j + 0.1 k: every pixel tells where it came from. */
    private static Tensor coded(int batch, int h, int w, int c) {
        float[] v = new float[batch * h * w * c];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int k = 0; k < c; k++) v[((b * h + i) * w + j) * c + k] = 100 * b + 10 * i + j + 0.1f * k;
        return Tensor.of(v, batch, h, w, c);
    }

    private static Tensor train(Layer layer, Tensor x, long seed) {
        return layer.apply(x, Context.training(new Rng(seed)));
    }

    /** Sample b of an image batch as [i][j][k]. */
    private static float[][][] image(Tensor x, int b) {
        int h = x.size(1), w = x.size(2), c = x.size(3);
        float[][][] out = new float[h][w][c];
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) for (int k = 0; k < c; k++) out[i][j][k] = x.get(b, i, j, k);
        return out;
    }

    private static boolean same(float[][][] a, float[][][] b, float tol) {
        if (a.length != b.length || a[0].length != b[0].length) return false;
        for (int i = 0; i < a.length; i++)
            for (int j = 0; j < a[0].length; j++)
                for (int k = 0; k < a[0][0].length; k++) if (Math.abs(a[i][j][k] - b[i][j][k]) > tol) return false;
        return true;
    }

    private static final List<Supplier<Layer>> IMAGE_LAYERS = List.of(
            RandomFlip::new,
            () -> new RandomRotation(0.2f),
            () -> new RandomTranslation(0.2f, 0.3f),
            () -> new RandomZoom(0.3f),
            () -> new RandomCrop(6, 5).padding(2),
            () -> new RandomBrightness(0.3f),
            () -> new RandomContrast(0.5f),
            () -> new GaussianNoise(0.1f));

    /**
     * A batch whose samples are constant along every axis but the first and the last: one random
     * value per (sample, channel). The geometric transforms (with a fill that copies the image)
     * leave such samples unchanged, so the harness's one training step sees the same signal as
     * its evaluation; on white noise a flip or a shift would make the step a step on unrelated data.
     */
    private static Tensor steady(int... shape) {
        Rng rng = new Rng(31);
        int n = shape[0], c = shape[shape.length - 1], inner = 1;
        for (int i = 1; i < shape.length - 1; i++) inner *= shape[i];
        float[] v = new float[n * inner * c];
        for (int b = 0; b < n; b++) {
            for (int k = 0; k < c; k++) {
                float value = (float) rng.nextGaussian();
                for (int p = 0; p < inner; p++) v[(b * inner + p) * c + k] = value;
            }
        }
        return Tensor.of(v, shape);
    }

    @Test
    void harness() {
        LayerHarness.check(RandomFlip::new, steady(4, 5, 6, 2), 0);
        LayerHarness.check(() -> new RandomFlip("vertical"), steady(3, 4, 4, 1), 0);
        LayerHarness.check(() -> new RandomRotation(0.1f).fillMode("nearest").interpolation("nearest"), steady(3, 5, 5, 2), 0);
        LayerHarness.check(() -> new RandomTranslation(new float[]{-0.1f, 0.2f}, new float[]{0.1f}).fillMode("wrap"), steady(3, 4, 6, 2), 0);
        LayerHarness.check(() -> new RandomZoom(0.2f, 0.1f).fillMode("nearest").fillValue(1f), steady(3, 5, 5, 1), 0);
        LayerHarness.check(() -> new RandomZoom(new float[]{-0.2f, 0.1f}, null), steady(2, 4, 4, 3), 0);
        LayerHarness.check(() -> new RandomCrop(4, 3), steady(3, 6, 5, 2), 0);
        LayerHarness.check(() -> new RandomCrop(6, 6), steady(3, 6, 6, 2), 0);
        LayerHarness.check(() -> new RandomBrightness(0.01f).valueRange(-5, 5), steady(3, 4, 4, 3), 0);
        LayerHarness.check(() -> new RandomContrast(0.3f, 0.2f).valueRange(-10, 10), new int[]{3, 4, 4, 3}, 0);
        LayerHarness.check(() -> new GaussianNoise(0.1f), new int[]{4, 6, 3}, 0);
        LayerHarness.check(() -> new RandomTimeShift(2), steady(4, 8, 3), 0);
        LayerHarness.check(() -> new RandomTimeShift(3).fillMode("wrap"), new int[]{4, 9}, 0);
    }

    @Test
    void identityAtInferenceAndReproducibleInTraining() {
        Tensor x = Tensor.uniform(new Rng(1), 0f, 255f, 4, 6, 5, 3);
        for (Supplier<Layer> f : IMAGE_LAYERS) {
            Layer layer = f.get();
            String what = layer.describe();
            if (layer instanceof RandomCrop) {
                // at inference Keras's RandomCrop resizes the largest centred window: an input of the target size passes through
                Tensor same = Tensor.uniform(new Rng(2), 0f, 255f, 4, 6, 5, 3);
                assertArrayEquals(same.toFloatArray(), layer.apply(same).toFloatArray(), 0f, what);
            } else {
                assertSame(x, layer.apply(x), what + ": identity at inference");
            }
            Tensor a = train(layer, x, 7), b = train(layer, x, 7), c = train(layer, x, 8);
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, what + ": same seed, same output");
            assertFalse(java.util.Arrays.equals(a.toFloatArray(), c.toFloatArray()), what + ": another seed, another output");
            assertTrue(layer.weights().isEmpty(), what + ": no weights");
        }
        Tensor signal = Tensor.randn(new Rng(3), 4, 10, 2);
        RandomTimeShift shift = new RandomTimeShift(3);
        assertSame(signal, shift.apply(signal));
        assertArrayEquals(train(shift, signal, 5).toFloatArray(), train(shift, signal, 5).toFloatArray(), 0f);
    }

    @Test
    void flipsAreExactAndPerSample() {
        Tensor x = coded(64, 3, 4, 2);
        Tensor y = train(new RandomFlip("horizontal"), x, 11);
        int flipped = 0;
        for (int b = 0; b < 64; b++) {
            float[][][] in = image(x, b), out = image(y, b), mirror = new float[3][4][2];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) mirror[i][j] = in[i][3 - j]; // left-right
            boolean isSame = same(in, out, 0f), isFlipped = same(mirror, out, 0f);
            assertTrue(isSame || isFlipped, "sample " + b + " is the input or its mirror image");
            if (isFlipped) flipped++;
        }
        assertTrue(flipped > 20 && flipped < 44, "about half the samples flip, got " + flipped + " of 64");

        Tensor v = train(new RandomFlip("vertical"), x, 12);
        Set<String> seen = new HashSet<>();
        for (int b = 0; b < 64; b++) {
            float[][][] in = image(x, b), out = image(v, b), upside = new float[3][4][2];
            for (int i = 0; i < 3; i++) upside[i] = in[2 - i];
            assertTrue(same(in, out, 0f) || same(upside, out, 0f), "sample " + b);
        }

        // both axes, drawn independently: all four orientations occur
        Tensor hv = train(new RandomFlip(), x, 13);
        for (int b = 0; b < 64; b++) {
            float[][][] in = image(x, b), out = image(hv, b);
            String kind = null;
            for (int fh = 0; fh < 2 && kind == null; fh++) {
                for (int fv = 0; fv < 2 && kind == null; fv++) {
                    float[][][] t = new float[3][4][];
                    for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) t[i][j] = in[fv == 1 ? 2 - i : i][fh == 1 ? 3 - j : j];
                    if (same(t, out, 0f)) kind = fh + "" + fv;
                }
            }
            assertNotNull(kind, "sample " + b + " is one of the four flips");
            seen.add(kind);
        }
        assertEquals(Set.of("00", "01", "10", "11"), seen);
        assertThrows(IllegalArgumentException.class, () -> new RandomFlip("diagonal"));
    }

    @Test
    void translationByWholePixelsWithEachFillMode() {
        // height factor (0.25, 0.25) of 4 rows: down by exactly 1; width (-0.5, -0.5) of 4 columns: left by 2
        Tensor x = coded(2, 4, 4, 1);
        int[] reflect = {2, 1, 0, 0, 1, 2, 3, 3, 2, 1}; // index -3..6 -> (c b a | a b c d | d c b), shifted by 3
        for (String mode : new String[]{"constant", "reflect", "wrap", "nearest"}) {
            for (String interp : new String[]{"bilinear", "nearest"}) {
                RandomTranslation t = new RandomTranslation(new float[]{0.25f, 0.25f}, new float[]{-0.5f, -0.5f})
                        .fillMode(mode).interpolation(interp).fillValue(-1f);
                Tensor y = train(t, x, 3);
                for (int b = 0; b < 2; b++) {
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            int si = i - 1, sj = j + 2; // output (i, j) shows input (i - dy, j - dx)
                            float expected;
                            if (si >= 0 && si < 4 && sj >= 0 && sj < 4) {
                                expected = x.get(b, si, sj, 0);
                            } else {
                                expected = switch (mode) {
                                    case "constant" -> -1f;
                                    case "reflect" -> x.get(b, reflect[si + 3], reflect[sj + 3], 0);
                                    case "wrap" -> x.get(b, Math.floorMod(si, 4), Math.floorMod(sj, 4), 0);
                                    default -> x.get(b, Math.clamp(si, 0, 3), Math.clamp(sj, 0, 3), 0);
                                };
                            }
                            assertEquals(expected, y.get(b, i, j, 0), 1e-5f, mode + "/" + interp + " at " + b + "," + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void fractionalTranslationInterpolatesBilinearly() {
        // a half-pixel shift right: out[i][j] = (in[i][j - 1] + in[i][j]) / 2 inside, 0.5 * in[i][0] + 0.5 * fill at the left edge
        Tensor x = Tensor.uniform(new Rng(4), 0f, 1f, 1, 3, 5, 2);
        Tensor y = train(new RandomTranslation(new float[]{0f, 0f}, new float[]{0.1f, 0.1f}).fillMode("constant").fillValue(2f), x, 1);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                for (int k = 0; k < 2; k++) {
                    float left = j == 0 ? 2f : x.get(0, i, j - 1, k);
                    assertEquals(0.5f * (left + x.get(0, i, j, k)), y.get(0, i, j, k), 1e-6f);
                }
            }
        }
    }

    @Test
    void rotationByQuarterAndHalfTurns() {
        Tensor x = coded(2, 5, 5, 2);
        // factor (0.25, 0.25): a quarter turn counter-clockwise, np.rot90: out[i][j] = in[j][n - 1 - i]
        for (String interp : new String[]{"nearest", "bilinear"}) {
            Tensor y = train(new RandomRotation(0.25f, 0.25f).interpolation(interp).fillMode("constant"), x, 1);
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 5; j++)
                        for (int k = 0; k < 2; k++) assertEquals(x.get(b, j, 4 - i, k), y.get(b, i, j, k), 1e-3f, interp + " quarter turn");
            Tensor h = train(new RandomRotation(-0.5f, -0.5f).interpolation(interp), x, 1);
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++) assertEquals(x.get(1, 4 - i, 4 - j, 1), h.get(1, i, j, 1), 1e-3f, interp + " half turn");
        }

        // any angle: the centre of an odd-sized image stays put, and a constant image stays constant under "reflect"
        Tensor y = train(new RandomRotation(0.5f), x, 9);
        for (int b = 0; b < 2; b++) assertEquals(x.get(b, 2, 2, 1), y.get(b, 2, 2, 1), 1e-3f, "centre pixel");
        Tensor flat = Tensor.full(7f, 3, 6, 4, 2);
        assertArrayEquals(Tensor.full(7f, 3, 6, 4, 2).toFloatArray(), train(new RandomRotation(0.5f), flat, 2).toFloatArray(), 1e-5f);
        assertThrows(IllegalArgumentException.class, () -> new RandomRotation(1.5f));
        assertThrows(IllegalArgumentException.class, () -> new RandomRotation(0.1f).fillMode("mirror"));
    }

    @Test
    void zoomSamplesAboutTheCentre() {
        // in[i][j] = 10 i + j is linear, so bilinear sampling at (x', y') gives exactly 10 y' + x'
        Tensor x = coded(1, 5, 5, 1);
        // factor (-0.5, -0.5): zoom 0.5 (in): x' = 0.5 j + 2 * 0.5 = 0.5 j + 1
        Tensor in = train(new RandomZoom(new float[]{-0.5f, -0.5f}, null), x, 1);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) assertEquals(10 * (0.5 * i + 1) + 0.5 * j + 1, in.get(0, i, j, 0), 1e-4, "zoom in " + i + "," + j);
        // height zoom 2 (out), width zoom 1: y' = 2 i - 2, x' = j; rows from outside filled with 0
        Tensor out = train(new RandomZoom(new float[]{1f, 1f}, new float[]{0f, 0f}).fillMode("constant"), x, 1);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                int yy = 2 * i - 2;
                float expected = yy >= 0 && yy < 5 ? 10 * yy + j : 0f;
                assertEquals(expected, out.get(0, i, j, 0), 1e-4f, "zoom out " + i + "," + j);
            }
        }
    }

    @Test
    void cropWithPaddingShiftsByWholePixelsPerSample() {
        Tensor x = coded(40, 4, 4, 2);
        Tensor y = train(new RandomCrop(4, 4).padding(2), x, 5);
        assertArrayEquals(new int[]{40, 4, 4, 2}, y.shape());
        Set<String> offsets = new HashSet<>();
        for (int b = 0; b < 40; b++) {
            String found = null;
            for (int dy = -2; dy <= 2 && found == null; dy++) {
                for (int dx = -2; dx <= 2 && found == null; dx++) {
                    boolean ok = true;
                    for (int i = 0; i < 4 && ok; i++) {
                        for (int j = 0; j < 4 && ok; j++) {
                            for (int k = 0; k < 2 && ok; k++) {
                                int si = i + dy, sj = j + dx;
                                float e = si >= 0 && si < 4 && sj >= 0 && sj < 4 ? x.get(b, si, sj, k) : 0f;
                                ok = e == y.get(b, i, j, k);
                            }
                        }
                    }
                    if (ok) found = dy + "," + dx;
                }
            }
            assertNotNull(found, "sample " + b + " is a 4x4 window of the zero-padded 8x8 image");
            offsets.add(found);
        }
        assertTrue(offsets.size() >= 10, "windows vary per sample: " + offsets);

        // without padding, from a larger input: each sample is some 3x2 window of its own image
        Tensor big = coded(6, 5, 4, 1);
        Tensor c = train(new RandomCrop(3, 2), big, 6);
        for (int b = 0; b < 6; b++) {
            boolean any = false;
            for (int top = 0; top <= 2 && !any; top++) {
                for (int left = 0; left <= 2 && !any; left++) {
                    boolean ok = true;
                    for (int i = 0; i < 3 && ok; i++) for (int j = 0; j < 2 && ok; j++) ok = big.get(b, top + i, left + j, 0) == c.get(b, i, j, 0);
                    any = ok;
                }
            }
            assertTrue(any, "sample " + b);
        }
    }

    /** TensorFlow's bilinear resize with half-pixel centres, one channel, written out here. */
    private static double resized(Tensor x, int b, int top, int left, int ch, int cw, int outH, int outW, int i, int j) {
        double sy = (i + 0.5) * ch / outH - 0.5, sx = (j + 0.5) * cw / outW - 0.5;
        int y0 = (int) Math.floor(sy), x0 = (int) Math.floor(sx);
        double fy = sy - y0, fx = sx - x0;
        int ya = Math.max(y0, 0), yb = Math.min(y0 + 1, ch - 1), xa = Math.max(x0, 0), xb = Math.min(x0 + 1, cw - 1);
        double v00 = x.get(b, top + ya, left + xa, 0), v01 = x.get(b, top + ya, left + xb, 0);
        double v10 = x.get(b, top + yb, left + xa, 0), v11 = x.get(b, top + yb, left + xb, 0);
        return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
    }

    @Test
    void cropAtInferenceResizesTheLargestCentredWindow() {
        Tensor x = Tensor.uniform(new Rng(8), 0f, 1f, 2, 4, 8, 1);
        // target 2x2 (aspect 1) from 4x8: window 4x4 starting at column 2, resized to 2x2
        Tensor y = new RandomCrop(2, 2).apply(x);
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) assertEquals(resized(x, b, 0, 2, 4, 4, 2, 2, i, j), y.get(b, i, j, 0), 1e-6);
        // the average of each 2x2 block when halving
        assertEquals((x.get(0, 0, 2, 0) + x.get(0, 0, 3, 0) + x.get(0, 1, 2, 0) + x.get(0, 1, 3, 0)) / 4, y.get(0, 0, 0, 0), 1e-6f);

        // upsampling 3x3 to 5x5 (same aspect): the whole image, edges clamped
        Tensor small = Tensor.uniform(new Rng(9), 0f, 1f, 1, 3, 3, 1);
        Tensor up = new RandomCrop(5, 5).apply(small);
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) assertEquals(resized(small, 0, 0, 0, 3, 3, 5, 5, i, j), up.get(0, i, j, 0), 1e-6);
        // training on an input smaller than the target takes the same path
        assertArrayEquals(up.toFloatArray(), train(new RandomCrop(5, 5), small, 1).toFloatArray(), 0f);
        assertArrayEquals(new int[]{5, 5, 1}, new RandomCrop(5, 5).computeOutputShape(new int[]{3, 3, 1}));
    }

    @Test
    void brightnessFollowsKerasFormula() {
        Tensor x = Tensor.uniform(new Rng(10), 0f, 255f, 8, 3, 3, 3);
        // factor (0.2, 0.2): every sample gets + 0.2 * 255, clipped to [0, 255]
        Tensor y = train(new RandomBrightness(0.2f, 0.2f), x, 1);
        float[] v = x.toFloatArray(), out = y.toFloatArray();
        for (int i = 0; i < v.length; i++) assertEquals(Math.min(v[i] + 51.0, 255.0), out[i], 1e-4);

        // a random delta per sample, the same for all its pixels, within +-0.3 of the range [-1, 1]
        Tensor u = Tensor.uniform(new Rng(11), -0.2f, 0.2f, 16, 2, 2, 2);
        Tensor r = train(new RandomBrightness(0.3f).valueRange(-1, 1), u, 2);
        Set<Float> deltas = new HashSet<>();
        for (int b = 0; b < 16; b++) {
            double d = r.get(b, 0, 0, 0) - u.get(b, 0, 0, 0);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    for (int k = 0; k < 2; k++) {
                        double e = Math.clamp(u.get(b, i, j, k) + d, -1.0, 1.0);
                        assertEquals(e, r.get(b, i, j, k), 1e-5, "one delta per sample");
                    }
            assertTrue(Math.abs(d) <= 0.3 * 2 + 1e-6, "delta " + d);
            deltas.add((float) d);
        }
        assertTrue(deltas.size() > 10, "deltas differ per sample");
        Map<String, Object> c = new RandomBrightness(0.2f).config();
        assertEquals(List.of(-0.20000000298023224, 0.20000000298023224), c.get("factor"));
        assertEquals(List.of(0.0, 255.0), c.get("value_range"));
        assertThrows(IllegalArgumentException.class, () -> new RandomBrightness(1.5f));
    }

    @Test
    void contrastFollowsKerasFormula() {
        Tensor x = Tensor.uniform(new Rng(12), 100f, 150f, 12, 4, 3, 2);
        RandomContrast layer = new RandomContrast(0.5f);
        Tensor y = train(layer, x, 3);
        Set<Float> factors = new HashSet<>();
        for (int b = 0; b < 12; b++) {
            double[] mean = new double[2];
            for (int i = 0; i < 4; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 2; k++) mean[k] += x.get(b, i, j, k) / 12.0;
            // the factor, read off the pixel farthest from its channel mean; then every pixel of every channel
            // must follow (x - mean) * c + mean
            int bi = 0, bj = 0;
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 3; j++)
                    if (Math.abs(x.get(b, i, j, 0) - mean[0]) > Math.abs(x.get(b, bi, bj, 0) - mean[0])) {
                        bi = i;
                        bj = j;
                    }
            double c = (y.get(b, bi, bj, 0) - mean[0]) / (x.get(b, bi, bj, 0) - mean[0]);
            assertTrue(c >= 0.5 - 1e-3 && c <= 1.5 + 1e-3, "factor " + c + " in [1 - 0.5, 1 + 0.5]");
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 3; j++)
                    for (int k = 0; k < 2; k++) {
                        double e = (x.get(b, i, j, k) - mean[k]) * c + mean[k];
                        assertEquals(e, y.get(b, i, j, k), 2e-3, "sample " + b + " channel " + k);
                    }
            factors.add((float) c);
        }
        assertTrue(factors.size() > 8, "factors differ per sample");

        // clipping to the value range: factor [1 + 3, 1 + 3] on values 0 and 255 pushes them out of [0, 255]
        Tensor edges = Tensor.of(new float[]{0, 255, 0, 255}, 1, 2, 2, 1);
        Tensor clipped = train(new RandomContrast(0f, 3f), edges, 1);
        for (float f : clipped.toFloatArray()) assertTrue(f >= 0 && f <= 255);
        assertThrows(IllegalArgumentException.class, () -> new RandomContrast(1.5f));
        assertThrows(IllegalArgumentException.class, () -> new RandomContrast(0.2f, -0.1f));
        assertEquals(List.of(0.5, 0.5), layer.config().get("factor"));
    }

    @Test
    void gaussianNoiseStatistics() {
        Tensor x = Tensor.full(3f, 200, 50);
        Tensor y = train(new GaussianNoise(0.5f), x, 4);
        float[] v = y.toFloatArray();
        double mean = 0, sq = 0;
        for (float f : v) mean += f - 3;
        mean /= v.length;
        for (float f : v) sq += Math.pow(f - 3 - mean, 2);
        double std = Math.sqrt(sq / v.length);
        assertEquals(0, mean, 0.02, "noise mean");   // standard error 0.005
        assertEquals(0.5, std, 0.015, "noise std");   // standard error 0.0035
        assertSame(x, new GaussianNoise(0.5f).apply(x));
        assertThrows(IllegalArgumentException.class, () -> new GaussianNoise(-1f));

        // gradients pass straight through
        Tensor in = Tensor.randn(new Rng(5), 3, 4).requiresGrad(true);
        new GaussianNoise(0.3f).apply(in, Context.training(new Rng(6))).sum().backward();
        assertArrayEquals(Tensor.ones(3, 4).toFloatArray(), in.grad().toFloatArray(), 0f);
    }

    @Test
    void timeShiftMovesWholeStepsPerSample() {
        Tensor x = Tensor.randn(new Rng(13), 30, 7, 2);
        for (String mode : new String[]{"constant", "wrap"}) {
            Tensor y = train(new RandomTimeShift(3).fillMode(mode), x, 7);
            Set<Integer> shifts = new HashSet<>();
            for (int b = 0; b < 30; b++) {
                Integer found = null;
                for (int s = -3; s <= 3 && found == null; s++) {
                    boolean ok = true;
                    for (int t = 0; t < 7 && ok; t++) {
                        for (int k = 0; k < 2 && ok; k++) {
                            int from = t - s; // y[t] = x[t - s]
                            float e = from >= 0 && from < 7 ? x.get(b, from, k) : mode.equals("wrap") ? x.get(b, Math.floorMod(from, 7), k) : 0f;
                            ok = e == y.get(b, t, k);
                        }
                    }
                    if (ok) found = s;
                }
                assertNotNull(found, mode + ": sample " + b + " is a shifted copy");
                shifts.add(found);
            }
            assertTrue(shifts.size() >= 5, mode + ": shifts vary per sample: " + shifts);
        }
        // (batch, time) works too, and the time length may differ from the built one
        RandomTimeShift r = new RandomTimeShift(1).fillMode("wrap");
        Tensor flat = Tensor.of(new float[]{1, 2, 3, 4}, 1, 4);
        float[] out = train(r, flat, 1).toFloatArray();
        assertTrue(java.util.Arrays.equals(out, new float[]{1, 2, 3, 4}) || java.util.Arrays.equals(out, new float[]{4, 1, 2, 3})
                || java.util.Arrays.equals(out, new float[]{2, 3, 4, 1}), java.util.Arrays.toString(out));
        assertArrayEquals(new int[]{1, 6}, train(r, Tensor.zeros(1, 6), 1).shape());
        assertThrows(IllegalArgumentException.class, () -> new RandomTimeShift(2).fillMode("reflect"));
        var rank = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(2, 3, 4), new RandomTimeShift(1)));
        assertTrue(rank.getMessage().contains("(None, time, channels)"), rank.getMessage());
    }

    @Test
    void geometricTransformsPassGradientsToTheirInput() {
        Tensor x = Tensor.randn(new Rng(14), 2, 4, 5, 2).requiresGrad(true);
        for (Supplier<Layer> f : List.<Supplier<Layer>>of(
                RandomFlip::new,
                () -> new RandomRotation(0.3f),
                () -> new RandomTranslation(0.3f, 0.3f).fillMode("constant"),
                () -> new RandomZoom(0.4f).fillMode("wrap"),
                () -> new RandomCrop(3, 3).padding(1),
                () -> new RandomCrop(6, 6),
                () -> new RandomContrast(0.5f).valueRange(-100, 100))) {
            Layer layer = f.get();
            GradCheck.check(xs -> layer.apply(xs[0], Context.training(new Rng(21))), x);
        }
        Tensor s = Tensor.randn(new Rng(15), 3, 6, 2).requiresGrad(true);
        RandomTimeShift shift = new RandomTimeShift(2);
        GradCheck.check(xs -> shift.apply(xs[0], Context.training(new Rng(22))), s);
    }

    @Test
    void configsRoundTrip() {
        RandomZoom z = new RandomZoom(0.2f).fillMode("constant").interpolation("nearest").fillValue(3f);
        Map<String, Object> c = z.config();
        assertEquals(List.of(-0.20000000298023224, 0.20000000298023224), c.get("height_factor"));
        assertNull(c.get("width_factor"));
        assertEquals("constant", c.get("fill_mode"));
        assertEquals("nearest", c.get("interpolation"));
        assertEquals(3.0, c.get("fill_value"));
        assertEquals("channels_last", c.get("data_format"));
        assertEquals(c, RandomZoom.fromConfig(c).config());

        // Keras writes a single number for a symmetric factor; it reads back as (-f, f)
        Map<String, Object> keras = new java.util.HashMap<>(Map.of("factor", 0.1, "fill_mode", "reflect", "interpolation", "bilinear"));
        assertArrayEquals(new float[]{-0.1f, 0.1f}, RandomRotation.fromConfig(keras).factor());
        assertEquals("horizontal", new RandomFlip("horizontal").config().get("mode"));
        assertEquals(4, new RandomCrop(32, 32).padding(4).config().get("padding"));
        assertEquals(3, RandomTimeShift.fromConfig(new RandomTimeShift(3).config()).maxShift());
        assertEquals("wrap", RandomTimeShift.fromConfig(new RandomTimeShift(3).fillMode("wrap").config()).fillMode());
        keras.put("data_format", "channels_first");
        assertThrows(IllegalArgumentException.class, () -> RandomRotation.fromConfig(keras));
        var shape = assertThrows(IllegalArgumentException.class, () -> new Sequential(new InputLayer(8, 3), new RandomRotation(0.1f)));
        assertTrue(shape.getMessage().contains("(None, height, width, channels)"), shape.getMessage());
    }
}
