package dev.myelin.compress;

import dev.myelin.core.DType;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Input;
import dev.myelin.nn.Layer;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.SymbolicTensor;
import dev.myelin.nn.io.ModelFile;
import dev.myelin.nn.io.SafeTensors;
import dev.myelin.nn.layers.Activation;
import dev.myelin.nn.layers.BatchNormalization;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Embedding;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.GlobalAveragePooling1D;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling2D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizerTest {

    private static List<String> classes(Model m) {
        List<String> out = new ArrayList<>();
        for (Layer l : m.layers()) if (!(l instanceof InputLayer)) out.add(l.className());
        return out;
    }

    /** Largest |a - b| relative to the largest |a|. */
    private static double relativeError(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double worst = 0, scale = 1e-12;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]));
            scale = Math.max(scale, Math.abs(x[i]));
        }
        return worst / scale;
    }

    static Sequential cnn() {
        Sequential m = new Sequential(new InputLayer(12, 12, 3),
                new Conv2D(8, 3).useBias(false), new BatchNormalization(), new Activation("relu"),
                new MaxPooling2D(2), new Conv2D(16, 3, "relu").padding("same"), new Flatten(),
                new Dense(32, "relu"), new Dense(10, "softmax"));
        // moving statistics away from (0, 1), as after training, so that folding has work to do
        BatchNormalization bn = (BatchNormalization) m.layer("batch_normalization");
        Rng rng = new Rng(8);
        bn.movingMean().assign(Tensor.randn(rng, 8).mul(0.3f));
        bn.movingVariance().assign(Tensor.rand(rng, 8).add(0.5f));
        bn.gamma().assign(Tensor.rand(rng, 8).add(0.5f));
        bn.beta().assign(Tensor.randn(rng, 8).mul(0.1f));
        return m;
    }

    @Test
    void foldingBatchNormKeepsThePredictions() {
        Sequential m = cnn();
        Tensor x = Tensor.randn(new Rng(1), 4, 12, 12, 3);
        Model folded = Quantizer.foldBatchNorm(m);
        assertNotSame(m, folded);
        assertEquals(List.of("Conv2D", "Activation", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense"), classes(folded));
        // the same maths in another order: only float rounding differs
        assertTrue(relativeError(m.predict(x), folded.predict(x)) < 1e-5);
        assertTrue(((Conv2D) folded.layer("conv2d")).useBias());
    }

    @Test
    void dynamicQuantizationReplacesLayersAndKeepsTheLastFloat() {
        Sequential m = cnn();
        Model q = Quantizer.dynamic(m, QuantizeOptions.defaults());
        assertEquals(List.of("QuantizedConv2D", "Activation", "MaxPooling2D", "QuantizedConv2D", "Flatten", "QuantizedDense", "Dense"), classes(q));
        assertEquals(8, classes(m).size(), "the source model is unchanged");
        Tensor x = Tensor.randn(new Rng(2), 16, 12, 12, 3);
        Tensor want = m.predict(x), got = q.predict(x);
        // softmax outputs; per-product errors (see QuantizedLayersTest) compound over three int8 layers to well under 2%
        assertTrue(relativeError(want, got) < 0.02, "relative error " + relativeError(want, got));
        assertEquals(want.argmax(-1, false).toFloat().sub(got.argmax(-1, false).toFloat()).abs().sum().item() <= 1, true,
                "at most one of 16 arg-maxes may flip");
    }

    @Test
    void optionsChooseTheLayers() {
        Sequential m = cnn();
        Model q = Quantizer.dynamic(m, QuantizeOptions.defaults().keepLastFloat(false).keepFloat("conv2d_1").foldBatchNorm(false));
        assertEquals(List.of("QuantizedConv2D", "BatchNormalization", "Activation", "MaxPooling2D", "Conv2D", "Flatten", "QuantizedDense", "QuantizedDense"), classes(q));
        Tensor x = Tensor.randn(new Rng(3), 2, 12, 12, 3);
        assertTrue(relativeError(m.predict(x), q.predict(x)) < 0.03);
        assertThrows(IllegalArgumentException.class, () -> Quantizer.dynamic(m, QuantizeOptions.defaults().keepFloat("nope")));
    }

    @Test
    void functionalModelsAndEmbeddingsQuantizeToo() {
        SymbolicTensor in = Input.of(6);
        SymbolicTensor h = new Embedding(50, 16).apply(in);
        h = new GlobalAveragePooling1D().apply(h);
        SymbolicTensor a = new Dense(8, "relu").apply(h);
        SymbolicTensor b = new Dense(8, "tanh").apply(h);
        SymbolicTensor out = new Dense(3).apply(new dev.myelin.nn.layers.Concatenate().apply(a, b));
        Model m = Model.of(in, out);
        Model q = Quantizer.dynamic(m);
        List<String> cls = classes(q);
        assertTrue(cls.contains("QuantizedEmbedding") && cls.contains("QuantizedDense") && cls.get(cls.size() - 1).equals("Dense"), cls.toString());
        float[] ids = new float[4 * 6];
        Rng rng = new Rng(4);
        for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(50);
        Tensor x = Tensor.of(ids, 4, 6);
        assertTrue(relativeError(m.predict(x), q.predict(x)) < 0.03);
    }

    @Test
    void quantizedFilesAreAboutAQuarterOfTheFloatOnes(@TempDir Path dir) throws IOException {
        Sequential m = new Sequential(new InputLayer(256), new Dense(256, "relu"), new Dense(256, "relu"), new Dense(10));
        Model q = Quantizer.dynamic(m, QuantizeOptions.defaults().keepLastFloat(false));
        Path f = dir.resolve("mlp.myelin"), i8 = dir.resolve("mlp-int8.myelin");
        m.save(f);
        q.save(i8);
        ModelSizes.Comparison c = ModelSizes.compare(f, i8);
        // weights: 4 bytes -> 1 byte each, plus a 4-byte scale and a float bias per unit; headers are small
        assertTrue(c.ratio() > 0.24 && c.ratio() < 0.30, c.toString());
        assertEquals(Map.of(DType.INT8, 256L * 256 + 256 * 256 + 256 * 10, DType.FLOAT32, 4L * 2 * (256 + 256 + 10)), ModelSizes.weightBytesByType(q));
        assertEquals(4L * m.countParams(), ModelSizes.weightBytes(m));
    }

    /**
     * A quantized model saved by this version (Embedding, Conv1D and Dense, all int8), kept in the
     * test resources: later versions must still load it and predict the same. Every step is exact
     * integer arithmetic plus the same float roundings on every machine, so the values must match
     * exactly.
     */
    @Test
    void aSavedQuantizedModelStaysLoadable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("quantized-v1.myelin");
        try (var in = QuantizerTest.class.getResourceAsStream("quantized-v1.myelin")) {
            java.nio.file.Files.copy(in, file);
        }
        QuantizedLayers.register();
        Model m = ModelFile.load(file);
        assertEquals(List.of("QuantizedEmbedding", "QuantizedConv1D", "Flatten", "QuantizedDense"), classes(m));
        Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 9, 0, 5, 7}, 2, 4);
        assertArrayEquals(new float[]{-0x1.47072ep-8f, 0x1.3d45fap-6f, 0x1.1d9276p-5f, 0x1.40cfe8p-5f}, m.predict(x).toFloatArray());
    }

    @Test
    void quantizedModelsSaveInt8WeightsAndLoadBack(@TempDir Path dir) throws IOException {
        Sequential m = cnn();
        Model q = Quantizer.dynamic(m);
        Path file = dir.resolve("cnn-int8.myelin");
        q.save(file);
        Path st = dir.resolve("w.safetensors");
        ModelFile.extractWeights(file, st);
        Map<String, Tensor> w = SafeTensors.load(st).tensors();
        assertEquals(DType.INT8, w.get("conv2d/kernel").dtype());
        assertArrayEquals(new int[]{8, 27}, w.get("conv2d/kernel").shape());
        assertEquals(DType.FLOAT32, w.get("conv2d/kernel_scale").dtype());
        assertEquals(DType.FLOAT32, w.get("dense_1/kernel").dtype(), "the float last layer stays F32");

        Model back = ModelFile.load(file);
        assertEquals(classes(q), classes(back));
        Tensor x = Tensor.randn(new Rng(5), 5, 12, 12, 3);
        assertArrayEquals(q.predict(x).toFloatArray(), back.predict(x).toFloatArray(), "identical predictions after the round trip");
    }
}
