package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.Callback;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.losses.MeanSquaredError;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import dev.myelin.nn.optimizers.SGD;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ModelTest {

    /** Three Gaussian blobs in 2-D, labelled 0..2. */
    static Tensor[] blobs(int n, long seed) {
        Rng rng = new Rng(seed);
        float[] x = new float[n * 2];
        long[] y = new long[n];
        float[][] centres = {{-2, 0}, {2, 0}, {0, 2.5f}};
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            y[i] = c;
            x[2 * i] = centres[c][0] + (float) rng.nextGaussian() * 0.6f;
            x[2 * i + 1] = centres[c][1] + (float) rng.nextGaussian() * 0.6f;
        }
        return new Tensor[]{Tensor.of(x, n, 2), Tensor.ofLongs(y, n)};
    }

    static Sequential mlp() {
        return new Sequential(new InputLayer(2), new Dense(16, "relu"), new Dropout(0.1f), new Dense(3, "softmax"));
    }

    @Test
    void sequentialMlpLearnsBlobs() {
        Tensor[] train = blobs(600, 1), test = blobs(300, 2);
        Sequential model = mlp();
        model.compile(new Adam(0.01f), "sparse_categorical_crossentropy", "accuracy");
        History h = model.fit(train[0], train[1], new FitOptions().epochs(15).batchSize(32).validationSplit(0.2f).verbose(0));
        assertEquals(15, h.get("loss").size());
        assertTrue(h.get("loss").get(14) < h.get("loss").get(0), h.toString());
        assertTrue(h.last("val_accuracy") > 0.95, h.toString());
        Map<String, Double> eval = model.evaluate(test[0], test[1], 64);
        assertTrue(eval.get("accuracy") > 0.95, eval.toString());
        Tensor p = model.predict(test[0], 7);
        assertArrayEquals(new int[]{300, 3}, p.shape());
        assertEquals(1f, p.select(0, 5).sum().item(), 1e-5f);
    }

    @Test
    void fixedSeedTrainingIsRepeatable() {
        Tensor[] train = blobs(200, 3);
        float[][] w = new float[2][];
        for (int run = 0; run < 2; run++) {
            Sequential model = mlp();
            model.seed(7);
            model.compile(new SGD(0.05f, 0.9f, true), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
            model.fit(train[0], train[1], new FitOptions().epochs(3).batchSize(16).verbose(0));
            w[run] = model.weights().get(0).value().toFloatArray();
        }
        assertArrayEquals(w[0], w[1]);
    }

    @Test
    void summaryBeforeAnyData() {
        Sequential model = new Sequential(new InputLayer(784), new Dense(256, "relu"), new Dense(256, "relu"), new Dense(10, "softmax"));
        String s = model.summary();
        assertTrue(s.contains("dense (Dense)"), s);
        assertTrue(s.contains("dense_2 (Dense)"), s);
        assertTrue(s.contains("(None, 256)"), s);
        assertTrue(s.contains("200,960"), s);
        assertTrue(s.contains("Total params: 269,322"), s);
        assertTrue(s.contains("Non-trainable params: 0"), s);
    }

    @Test
    void functionalModelWithTwoInputs() {
        SymbolicTensor a = Input.of("a", 3), b = Input.of("b", 2);
        Dense shared = new Dense(4, "tanh");
        SymbolicTensor ha = shared.apply(a);
        SymbolicTensor hb = new Dense(4).apply(b);
        SymbolicTensor out = new Dense(1).apply(ha); // b feeds a second output
        Model m = Model.of(List.of(a, b), List.of(out, hb));
        List<Tensor> ys = m.applyAll(List.of(Tensor.ones(5, 3), Tensor.ones(5, 2)), Context.inference());
        assertArrayEquals(new int[]{5, 1}, ys.get(0).shape());
        assertArrayEquals(new int[]{5, 4}, ys.get(1).shape());
        String s = m.summary();
        assertTrue(s.contains("a (InputLayer)") && s.contains("(None, 4)"), s);
        var e = assertThrows(IllegalArgumentException.class, () -> Model.of(a, new Dense(1).apply(b)));
        assertTrue(e.getMessage().contains("graph disconnected"), e.getMessage());
    }

    @Test
    void functionalTrainsOnRegression() {
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 256, 3);
        Tensor y = x.matmul(Tensor.of(new float[]{1, -2, 0.5f}, 3, 1)).add(0.3f);
        SymbolicTensor in = Input.of(3);
        Model m = Model.of(in, new Dense(1).apply(in));
        m.compile(new SGD(0.1f), new MeanSquaredError());
        History h = m.fit(x, y, new FitOptions().epochs(30).batchSize(32).verbose(0));
        assertTrue(h.last("loss") < 1e-3, h.toString());
        float[] k = ((Dense) m.layers().get(1)).kernel().value().toFloatArray();
        assertArrayEquals(new float[]{1, -2, 0.5f}, k, 0.02f);
    }

    @Test
    void configRoundTrips() {
        Sequential model = mlp();
        Map<String, Object> cfg = Layers.toConfig(model);
        Layer back = Layers.fromConfig(cfg);
        assertEquals(Layers.toConfig(model), Layers.toConfig(back));
        SymbolicTensor a = Input.of(3);
        Dense d = new Dense(2);
        Model f = Model.of(a, new Dense(1).apply(d.apply(d.name("shared_ok") == d ? a : a)));
        Map<String, Object> fc = Layers.toConfig(f);
        assertEquals(fc, Layers.toConfig(Layers.fromConfig(fc)));
    }

    @Test
    void badInputsGiveClearErrors() {
        Sequential model = mlp();
        var e = assertThrows(IllegalArgumentException.class, () -> model.predict(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("expected input shape (None, 2), got (4, 5)"), e.getMessage());
        model.compile(new Adam(), new SparseCategoricalCrossentropy());
        var l = assertThrows(IllegalArgumentException.class,
                () -> model.fit(Tensor.zeros(4, 2), Tensor.ofLongs(new long[]{0, 1, 2, 7}), new FitOptions().verbose(0)));
        assertTrue(l.getMessage().contains("label 7.0 (position") && l.getMessage().contains("[0, 3)"), l.getMessage());
        var c = assertThrows(IllegalStateException.class, () -> mlp().fit(Tensor.zeros(4, 2), Tensor.zeros(4), new FitOptions()));
        assertTrue(c.getMessage().contains("compile"), c.getMessage());
    }

    @Test
    void callbacksSeeEpochsAndCanStopTraining() {
        Tensor[] train = blobs(64, 9);
        Sequential model = mlp();
        model.compile(new Adam(), new SparseCategoricalCrossentropy());
        List<Integer> seen = new ArrayList<>();
        History h = model.fit(train[0], train[1], new FitOptions().epochs(10).verbose(0).callbacks(new Callback() {
            Model m;

            @Override
            public void setModel(Model model) {
                m = model;
            }

            @Override
            public void onEpochEnd(int epoch, Map<String, Double> logs) {
                seen.add(epoch);
                if (epoch == 2) m.stopTraining(true);
            }
        }));
        assertEquals(List.of(0, 1, 2), seen);
        assertEquals(3, h.get("loss").size());
    }
}
