package dev.myelin.nn;

import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.callbacks.History;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Dropout;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import dev.myelin.nn.layers.MaxPooling2D;
import dev.myelin.nn.losses.SparseCategoricalCrossentropy;
import dev.myelin.nn.metrics.SparseCategoricalAccuracy;
import dev.myelin.nn.optimizers.Adam;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The classic Keras MNIST convnet (keras.io/examples/vision/mnist_convnet): Keras's summary, then one epoch on a tiny batch. */
class MnistCnnShapeTest {

    static Sequential model() {
        return new Sequential(
                new InputLayer(28, 28, 1),
                new Conv2D(32, 3, "relu"),
                new MaxPooling2D(2),
                new Conv2D(64, 3, "relu"),
                new MaxPooling2D(2),
                new Flatten(),
                new Dropout(0.5f),
                new Dense(10, "softmax"));
    }

    @Test
    void summaryMatchesKeras() {
        Sequential model = model();
        String s = model.summary();
        String[][] rows = {
                {"conv2d (Conv2D)", "(None, 26, 26, 32)", "320"},
                {"max_pooling2d (MaxPooling2D)", "(None, 13, 13, 32)", "0"},
                {"conv2d_1 (Conv2D)", "(None, 11, 11, 64)", "18,496"},
                {"max_pooling2d_1 (MaxPooling2D)", "(None, 5, 5, 64)", "0"},
                {"flatten (Flatten)", "(None, 1600)", "0"},
                {"dropout (Dropout)", "(None, 1600)", "0"},
                {"dense (Dense)", "(None, 10)", "16,010"}};
        List<String> lines = s.lines().toList();
        for (String[] r : rows) {
            String line = lines.stream().filter(l -> l.contains(r[0])).findFirst().orElseThrow(() -> new AssertionError("no row " + r[0] + " in\n" + s));
            assertTrue(line.contains(r[1]) && line.trim().endsWith(r[2]), "row " + line + " should show " + r[1] + " and " + r[2]);
        }
        assertTrue(s.contains("Total params: 34,826"), s);
        assertTrue(s.contains("Trainable params: 34,826"), s);
        assertTrue(s.contains("Non-trainable params: 0"), s);
        assertEquals(34_826, model.countParams());
        // 3*3*1*32 + 32 = 320; 3*3*32*64 + 64 = 18,496; 1600*10 + 10 = 16,010
        assertEquals(320 + 18_496 + 16_010, model.countParams());
    }

    @Test
    void oneEpochOnATinyBatchRuns() {
        Rng rng = new Rng(1);
        Tensor x = Tensor.rand(rng, 8, 28, 28, 1);
        long[] labels = new long[8];
        for (int i = 0; i < 8; i++) labels[i] = i % 10;
        Tensor y = Tensor.ofLongs(labels, 8);
        Sequential model = model();
        model.compile(new Adam(1e-3f), new SparseCategoricalCrossentropy(), new SparseCategoricalAccuracy());
        History h = model.fit(x, y, new FitOptions().epochs(1).batchSize(4).verbose(0));
        double loss = h.last("loss");
        assertTrue(Double.isFinite(loss) && loss > 0, h.toString());
        assertEquals(Math.log(10), loss, 0.5, "an untrained 10-way softmax starts near ln 10");
        Tensor p = model.predict(x, 4);
        assertArrayEquals(new int[]{8, 10}, p.shape());
        for (int i = 0; i < 8; i++) assertEquals(1f, p.select(0, i).sum().item(), 1e-5f);
        // gradients reached the first convolution
        assertNotNull(((Conv2D) model.layers().get(1)).kernel().grad());

        // the architecture round-trips through its config
        Map<String, Object> cfg = Layers.toConfig(model);
        Sequential copy = (Sequential) Layers.fromConfig(cfg);
        assertEquals(cfg, Layers.toConfig(copy));
        assertEquals(34_826, copy.countParams());
    }
}
