package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.init.Initializer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Initializers: limits and spreads (statistically), orthogonality, fans of conv kernels, seeds. */
class InitializerTest {

    static double std(float[] v) {
        double mean = 0, sq = 0;
        for (float x : v) mean += x;
        mean /= v.length;
        for (float x : v) sq += (x - mean) * (x - mean);
        return Math.sqrt(sq / v.length);
    }

    static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) m = Math.max(m, Math.abs(x));
        return m;
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    @Test
    void fansFollowKeras() {
        assertEquals(new Initializer.Fans(1, 1), Initializer.fans());
        assertEquals(new Initializer.Fans(7, 7), Initializer.fans(7));
        assertEquals(new Initializer.Fans(784, 256), Initializer.fans(784, 256));
        // conv kernel (kh, kw, in, out) = (3, 3, 16, 32): receptive field 9
        assertEquals(new Initializer.Fans(144, 288), Initializer.fans(3, 3, 16, 32));
        assertEquals(new Initializer.Fans(5 * 8, 5 * 4), Initializer.fans(5, 8, 4)); // conv1d (k, in, out)
    }

    /** Uniform in [-limit, limit]: never beyond it, reaches close to it, variance limit^2 / 3. */
    static void assertUniform(float[] v, double limit) {
        assertTrue(maxAbs(v) <= limit * (1 + 1e-6), "max " + maxAbs(v) + " > limit " + limit);
        assertTrue(maxAbs(v) > 0.99 * limit, "max " + maxAbs(v) + " far below limit " + limit);
        assertEquals(limit / Math.sqrt(3), std(v), 0.03 * limit / Math.sqrt(3));
        assertEquals(0, mean(v), 0.05 * limit);
    }

    @Test
    void glorotAndHeUniformLimits() {
        Rng rng = new Rng(1);
        assertUniform(Initializer.glorotUniform().create(rng, 200, 300).toFloatArray(), Math.sqrt(6.0 / 500));
        assertUniform(Initializer.heUniform().create(rng, 200, 300).toFloatArray(), Math.sqrt(6.0 / 200));
        assertUniform(Initializer.lecunUniform().create(rng, 200, 300).toFloatArray(), Math.sqrt(3.0 / 200));
        // a conv kernel uses fans 144 and 288
        assertUniform(Initializer.glorotUniform().create(rng, 3, 3, 16, 32).toFloatArray(), Math.sqrt(6.0 / (144 + 288)));
        assertUniform(Initializer.heUniform().create(rng, 3, 3, 16, 32).toFloatArray(), Math.sqrt(6.0 / 144));
        assertUniform(Initializer.randomUniform(0.05f).create(rng, 100, 100).toFloatArray(), 0.05);
    }

    /** Truncated normal cut at 2 of its (scaled-up) std: keeps the target std, nothing beyond the cut. */
    static void assertScaledTruncatedNormal(float[] v, double targetStd) {
        double cut = 2 * targetStd / .87962566103423978;
        assertTrue(maxAbs(v) <= cut * (1 + 1e-6), "max " + maxAbs(v) + " beyond the cut " + cut);
        assertEquals(targetStd, std(v), 0.03 * targetStd);
        assertEquals(0, mean(v), 0.05 * targetStd);
    }

    @Test
    void glorotHeLecunNormalStd() {
        Rng rng = new Rng(2);
        assertScaledTruncatedNormal(Initializer.glorotNormal().create(rng, 200, 300).toFloatArray(), Math.sqrt(2.0 / 500));
        assertScaledTruncatedNormal(Initializer.heNormal().create(rng, 200, 300).toFloatArray(), Math.sqrt(2.0 / 200));
        assertScaledTruncatedNormal(Initializer.lecunNormal().create(rng, 200, 300).toFloatArray(), Math.sqrt(1.0 / 200));
        assertScaledTruncatedNormal(Initializer.heNormal().create(rng, 3, 3, 16, 32).toFloatArray(), Math.sqrt(2.0 / 144));
    }

    @Test
    void randomAndTruncatedNormal() {
        Rng rng = new Rng(3);
        float[] n = Initializer.randomNormal(0.05f).create(rng, 200, 200).toFloatArray();
        assertEquals(0.05, std(n), 0.0015);
        assertTrue(maxAbs(n) > 0.15, "a plain normal of 40000 draws reaches 3 std"); // P(no |z| > 3) ~ e^-108
        float[] t = Initializer.truncatedNormal(0.05f).create(rng, 200, 200).toFloatArray();
        assertTrue(maxAbs(t) <= 0.1 * (1 + 1e-6));
        // a standard normal cut at +-2 has std 0.8796
        assertEquals(0.05 * .87962566103423978, std(t), 0.0015);
    }

    static void assertIdentity(double[][] gram, double scale) {
        for (int i = 0; i < gram.length; i++) {
            for (int j = 0; j < gram.length; j++) {
                assertEquals(i == j ? scale : 0, gram[i][j], 1e-5, "gram[" + i + "][" + j + "]");
            }
        }
    }

    /** W^T W for W of (rows, cols), computed in double. */
    static double[][] gramOfColumns(float[] w, int rows, int cols) {
        double[][] g = new double[cols][cols];
        for (int a = 0; a < cols; a++) {
            for (int b = 0; b < cols; b++) {
                double s = 0;
                for (int r = 0; r < rows; r++) s += (double) w[r * cols + a] * w[r * cols + b];
                g[a][b] = s;
            }
        }
        return g;
    }

    /** W W^T. */
    static double[][] gramOfRows(float[] w, int rows, int cols) {
        double[][] g = new double[rows][rows];
        for (int a = 0; a < rows; a++) {
            for (int b = 0; b < rows; b++) {
                double s = 0;
                for (int c = 0; c < cols; c++) s += (double) w[a * cols + c] * w[b * cols + c];
                g[a][b] = s;
            }
        }
        return g;
    }

    @Test
    void orthogonalIsOrthonormalTimesGain() {
        Rng rng = new Rng(4);
        assertIdentity(gramOfColumns(Initializer.orthogonal(1f).create(rng, 8, 8).toFloatArray(), 8, 8), 1);
        assertIdentity(gramOfColumns(Initializer.orthogonal(1f).create(rng, 10, 4).toFloatArray(), 10, 4), 1); // tall
        assertIdentity(gramOfRows(Initializer.orthogonal(1f).create(rng, 4, 10).toFloatArray(), 4, 10), 1);    // wide
        assertIdentity(gramOfColumns(Initializer.orthogonal(2f).create(rng, 6, 6).toFloatArray(), 6, 6), 4);   // gain^2
        // a conv kernel (3, 3, 4, 8) is flattened to (36, 8)
        Tensor k = Initializer.orthogonal(1f).create(rng, 3, 3, 4, 8);
        assertArrayEquals(new int[]{3, 3, 4, 8}, k.shape());
        assertIdentity(gramOfColumns(k.toFloatArray(), 36, 8), 1);
        var e = assertThrows(IllegalArgumentException.class, () -> Initializer.orthogonal(1f).create(rng, 5));
        assertTrue(e.getMessage().contains("rank 2 or more, got (5,)"), e.getMessage());
    }

    @Test
    void constantsAndIdentity() {
        Rng rng = new Rng(5);
        assertArrayEquals(new float[6], Initializer.zeros().create(rng, 2, 3).toFloatArray());
        assertArrayEquals(new float[]{1, 1, 1, 1}, Initializer.ones().create(rng, 4).toFloatArray());
        assertArrayEquals(new float[]{0.3f, 0.3f, 0.3f}, Initializer.constant(0.3f).create(rng, 3, 1).toFloatArray());
        assertArrayEquals(new float[]{2, 0, 0, 0, 2, 0}, Initializer.identity(2f).create(rng, 2, 3).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Initializer.identity(1f).create(rng, 2, 2, 2));
    }

    @Test
    void sameSeedSameWeights() {
        for (Initializer init : List.of(Initializer.glorotUniform(), Initializer.heNormal(), Initializer.orthogonal(1f), Initializer.randomNormal(0.05f))) {
            float[] a = init.create(new Rng(42), 16, 8).toFloatArray();
            float[] b = init.create(new Rng(42), 16, 8).toFloatArray();
            float[] c = init.create(new Rng(43), 16, 8).toFloatArray();
            assertArrayEquals(a, b, 0f, init.toString());
            assertFalse(java.util.Arrays.equals(a, c), init + " ignores the seed");
        }
    }

    @Test
    void namesAndConfigRoundTrip() {
        for (String n : List.of("zeros", "ones", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal",
                "lecun_uniform", "orthogonal", "random_normal", "random_uniform", "truncated_normal", "identity")) {
            Initializer i = Initializer.byName(n);
            assertEquals(i, Initializer.fromConfig(i.config()), n);
        }
        assertEquals(Initializer.randomNormal(0.05f), Initializer.byName("random_normal")); // Keras's default std
        var e = assertThrows(IllegalArgumentException.class, () -> Initializer.byName("kaiming"));
        assertTrue(e.getMessage().contains("unknown initializer 'kaiming'"), e.getMessage());
        var s = assertThrows(IllegalArgumentException.class, () -> Initializer.randomNormal(-1f));
        assertTrue(s.getMessage().contains("must be >= 0, got -1.0"), s.getMessage());
    }
}
