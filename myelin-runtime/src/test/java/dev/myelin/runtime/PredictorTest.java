package dev.myelin.runtime;

import dev.myelin.compress.Quantizer;
import dev.myelin.core.Rng;
import dev.myelin.core.Tensor;
import dev.myelin.nn.Input;
import dev.myelin.nn.Model;
import dev.myelin.nn.Sequential;
import dev.myelin.nn.SymbolicTensor;
import dev.myelin.nn.layers.Conv2D;
import dev.myelin.nn.layers.Dense;
import dev.myelin.nn.layers.Flatten;
import dev.myelin.nn.layers.InputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictorTest {
    @TempDir
    Path dir;

    @Test
    void flattenedSamplesGiveModelPredictRowByRow() throws IOException {
        Sequential m = new Sequential(new InputLayer(6, 5, 1), new Conv2D(3, 3, "relu"), new Flatten(), new Dense(4, "softmax"));
        Path file = dir.resolve("cnn.myelin");
        m.save(file);
        Predictor p = Predictor.load(file);
        assertArrayEquals(new int[]{6, 5, 1}, p.inputShape());
        assertArrayEquals(new int[]{4}, p.outputShape());
        assertEquals(30, p.inputSize());

        Tensor x = Tensor.randn(new Rng(2), 3, 6, 5, 1);
        float[] all = x.toFloatArray();
        float[][] rows = new float[3][30];
        for (int i = 0; i < 3; i++) System.arraycopy(all, i * 30, rows[i], 0, 30);
        float[] want = m.predict(x, 3).toFloatArray();
        float[][] got = p.predict(rows);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) assertEquals(want[i * 4 + j], got[i][j], 0f);
        // one sample alone: a batch of one, the same rows of maths
        float[] one = p.predict(rows[1]);
        float[] wantOne = m.predict(x.slice(0, 1, 2), 1).toFloatArray();
        assertArrayEquals(wantOne, one, 0f);
    }

    @Test
    void loadsAndRunsInt8Models() throws IOException {
        Sequential m = new Sequential(new InputLayer(8), new Dense(16, "relu"), new Dense(3));
        Model q = Quantizer.dynamic(m);
        Path file = dir.resolve("int8.myelin");
        q.save(file);
        Predictor p = Predictor.load(file);
        assertEquals("QuantizedDense", p.model().layer("dense").className());
        Tensor x = Tensor.randn(new Rng(4), 1, 8);
        assertArrayEquals(q.predict(x, 1).toFloatArray(), p.predict(x.toFloatArray()), 0f);
    }

    @Test
    void wrongSampleSizeSaysWhatWasExpected() {
        Predictor p = Predictor.of(new Sequential(new InputLayer(4), new Dense(2)));
        var e = assertThrows(IllegalArgumentException.class, () -> p.predict(new float[][]{new float[4], new float[5]}));
        assertTrue(e.getMessage().contains("sample 1 has 5 values; the model expects 4"), e.getMessage());
    }

    @Test
    void openInputSizesAndSeveralInputsAreRefusedWithTheWayOut() {
        Predictor open = Predictor.of(new Sequential(new InputLayer(-1, 3), new Dense(2)));
        var e = assertThrows(IllegalArgumentException.class, () -> open.predict(new float[6]));
        assertTrue(e.getMessage().contains("open sizes"), e.getMessage());

        SymbolicTensor a = Input.of(2), b = Input.of(3);
        Model two = Model.of(List.of(a, b), List.of(new Dense(1).apply(a), new Dense(1).apply(b)));
        var e2 = assertThrows(IllegalArgumentException.class, () -> Predictor.of(two));
        assertTrue(e2.getMessage().contains("one input"), e2.getMessage());
    }

    @Test
    void argmaxTakesTheFirstLargest() {
        assertEquals(1, Predictor.argmax(new float[]{0.1f, 0.7f, 0.7f, 0.2f}));
        assertThrows(IllegalArgumentException.class, () -> Predictor.argmax(new float[0]));
    }
}
