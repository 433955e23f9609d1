package dev.myelin.compress;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Context;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.GRU;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.LSTM;
import dev.myelin.nn.layers.RecurrentLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Int8 LSTM and GRU against the float layers. Bound: every pre-activation carries the int8
 * product error, about 311 s_a s_w sqrt(K) at six standard deviations (QuantizedLayersTest); with
 * inputs ~N(0, 1) over K = 8 features and h in (-1, 1) over K = 16 units, and Glorot/orthogonal
 * weights, that is below 0.02 per step. The gates (slopes <= 1) and the state update (a convex
 * mix of old and new, weights below 1) do not amplify it, so we require max |h_int8 - h_float|
 * <= 0.03 over every step of every sequence, and a mean error below 0.005.
 */
class QuantizedRecurrentTest {
    static final double MAX_ERR = 0.03, MEAN_ERR = 0.005;

    private static void assertClose(Tensor want, Tensor got, String what) {
        float[] w = want.toFloatArray(), g = got.toFloatArray();
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        double max = 0, sum = 0;
        for (int i = 0; i < w.length; i++) {
            double d = Math.abs(w[i] - g[i]);
            max = Math.max(max, d);
            sum += d;
        }
        double mean = sum / w.length;
        assertTrue(max <= MAX_ERR && mean <= MEAN_ERR, what + ": max error " + max + ", mean " + mean);
    }

    private static <L extends RecurrentLayer<L>> L built(L layer, int in, long seed) {
        layer.seed(seed);
        layer.ensureBuilt(new int[]{-1, in});
        return layer;
    }

    @Test
    void lstmAndGruMatchTheFloatLayersWithinTheBound() {
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 3, 12, 8);
        List<RecurrentLayer<?>> layers = List.of(
                built(new LSTM(16).returnSequences(true), 8, 1),
                built(new LSTM(16).goBackwards(true), 8, 2),
                built(new GRU(16).returnSequences(true), 8, 3),
                built(new GRU(16).resetAfter(false).returnSequences(true), 8, 4),
                built(new GRU(16).goBackwards(true).activation("relu"), 8, 5));
        for (RecurrentLayer<?> f : layers) {
            if (f.bias() != null) f.bias().assign(Tensor.randn(rng, f.bias().shape()).mul(0.1f));   // a bias that is not all zero
            QuantizedRecurrent q = QuantizedRecurrent.from(f);
            assertEquals(f.name(), q.name());
            assertClose(f.apply(x, Context.inference()), q.apply(x, Context.inference()), f.describe() + " " + f.config());
        }
    }

    @Test
    void returnStateGivesTheFinalStates() {
        Rng rng = new Rng(4);
        Tensor x = Tensor.randn(rng, 2, 7, 5);
        LSTM f = built(new LSTM(6).returnState(true), 5, 9);
        QuantizedRecurrent q = QuantizedRecurrent.from(f);
        List<Tensor> want = f.applyAll(List.of(x), Context.inference()), got = q.applyAll(List.of(x), Context.inference());
        assertEquals(3, got.size());
        for (int i = 0; i < 3; i++) assertClose(want.get(i), got.get(i), "output " + i);
        var e = assertThrows(IllegalArgumentException.class, () -> q.applyAll(List.of(x, Tensor.zeros(2, 6), Tensor.zeros(2, 6)), Context.inference()));
        assertTrue(e.getMessage().contains("initial states are not supported"), e.getMessage());
    }

    @Test
    void quantizedTextModelsKeepMasksAndRoundTrip(@TempDir Path dir) throws IOException {
        Sequential m = new Sequential(new InputLayer(10), new Embedding(1000, 32).maskZero(true), new LSTM(64), new Dense(2, "softmax"));
        m.seed(5);
        Model q = Quantizer.dynamic(m);
        assertEquals(List.of("InputLayer", "QuantizedEmbedding", "QuantizedLSTM", "Dense"), q.layers().stream().map(Layer::className).toList());
        // padded sequences: zeros at the end are masked, so the state stops at the last real token
        float[] ids = new float[4 * 10];
        Rng rng = new Rng(6);
        for (int b = 0; b < 4; b++) for (int t = 0; t < 10 - 2 * b; t++) ids[b * 10 + t] = 1 + rng.nextInt(999);
        Tensor x = Tensor.wrap(ids, 4, 10);
        Tensor want = m.predict(x), got = q.predict(x);
        assertClose(want, got, "masked LSTM model");
        Path file = dir.resolve("text-int8.myelin");
        q.save(file);
        Model back = ModelFile.load(file);
        assertArrayEquals(got.toFloatArray(), back.predict(x).toFloatArray(), "identical predictions after the round trip");
        assertTrue(java.nio.file.Files.size(file) < 0.5 * sizeOf(m, dir), "int8 weights make the file smaller");
    }

    private static long sizeOf(Model m, Path dir) throws IOException {
        Path f = dir.resolve("float.myelin");
        m.save(f);
        return java.nio.file.Files.size(f);
    }

    /** A file written by this version, kept in test resources: int8 LSTM and GRU files stay loadable (exact values: integer sums, same float steps). */
    @Test
    void aSavedQuantizedRecurrentModelStaysLoadable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("recurrent-v1.myelin");
        try (var in = QuantizedRecurrentTest.class.getResourceAsStream("recurrent-v1.myelin")) {
            java.nio.file.Files.copy(in, file);
        }
        QuantizedLayers.register();
        Model m = ModelFile.load(file);
        assertEquals(List.of("InputLayer", "QuantizedLSTM", "QuantizedGRU", "Dense"), m.layers().stream().map(Layer::className).toList());
        assertArrayEquals(SAVED_EXPECTED, m.predict(SAVED_INPUT).toFloatArray(), 1e-6f);
    }

    static final Tensor SAVED_INPUT = Tensor.of(new float[]{1, 2, 3, 4, 9, 0, 5, 7, -1, 2, 0.5f, 3}, 2, 3, 2);
    static final float[] SAVED_EXPECTED = {-0.06806746f, -0.28212997f, -0.018299608f, 0.09521143f};

    /** Writes the resource file of {@link #aSavedQuantizedRecurrentModelStaysLoadable} (run by hand, once). */
    public static void main(String[] args) throws IOException {
        Sequential m = new Sequential(new InputLayer(3, 2), new LSTM(4).returnSequences(true), new GRU(3), new Dense(2));
        m.seed(31);
        Model q = Quantizer.dynamic(m);
        q.save(Path.of(args[0]));
        System.out.println(java.util.Arrays.toString(q.predict(SAVED_INPUT).toFloatArray()));
    }

    @Test
    void quantizedRecurrentLayersAreInferenceOnly() {
        QuantizedRecurrent q = QuantizedRecurrent.from(built(new GRU(4), 3, 1));
        var e = assertThrows(IllegalStateException.class, () -> q.apply(Tensor.zeros(1, 2, 3), Context.training(new Rng(0))));
        assertTrue(e.getMessage().contains("inference-only"), e.getMessage());
    }
}
