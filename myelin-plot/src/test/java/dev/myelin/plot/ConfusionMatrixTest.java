package dev.myelin.plot;

import dev.myelin.core.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ConfusionMatrixTest {

    // Six samples of three classes, worked out by hand:
    //   sample  true  scores               predicted
    //   0       0     0.7  0.2  0.1        0
    //   1       0     0.1  0.8  0.1        1
    //   2       1     0.2  0.5  0.3        1
    //   3       2     0.3  0.3  0.4        2
    //   4       2     0.6  0.1  0.3        0
    //   5       2     0.1  0.1  0.8        2
    static final float[][] SCORES = {
            {0.7f, 0.2f, 0.1f},
            {0.1f, 0.8f, 0.1f},
            {0.2f, 0.5f, 0.3f},
            {0.3f, 0.3f, 0.4f},
            {0.6f, 0.1f, 0.3f},
            {0.1f, 0.1f, 0.8f},
    };
    static final int[][] EXPECTED = {
            {1, 1, 0},
            {0, 1, 0},
            {1, 0, 2},
    };

    @Test
    void countsFromClassIdsAndScores() {
        Tensor probs = Tensor.of(SCORES);
        assertArrayEquals(EXPECTED, ConfusionMatrix.compute(Tensor.ofLongs(new long[]{0, 0, 1, 2, 2, 2}, 6), probs, 3));
        assertArrayEquals(EXPECTED, ConfusionMatrix.compute(Tensor.of(new float[]{0, 0, 1, 2, 2, 2}, 6, 1), probs, 3));
        assertArrayEquals(EXPECTED, ConfusionMatrix.compute(new int[]{0, 0, 1, 2, 2, 2}, new int[]{0, 1, 1, 2, 0, 2}, 3));
    }

    @Test
    void countsFromOneHotLabels() {
        Tensor oneHot = Tensor.of(new float[][]{{1, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 1}, {0, 0, 1}});
        assertArrayEquals(EXPECTED, ConfusionMatrix.compute(oneHot, Tensor.of(SCORES), 3));
    }

    @Test
    void binaryProbabilitiesAreCutAtOneHalf() {
        Tensor p = Tensor.of(new float[]{0.9f, 0.2f, 0.5f, 0.51f, 0.1f}, 5, 1);
        Tensor y = Tensor.ofLongs(new long[]{1, 0, 1, 0, 1}, 5);
        // true 1 -> 1, 0 -> 0, 1 -> 0 (0.5 is not above), 0 -> 1, 1 -> 0
        assertArrayEquals(new int[][]{{1, 1}, {2, 1}}, ConfusionMatrix.compute(y, p, 2));
        assertArrayEquals(new int[][]{{1, 1}, {2, 1}}, ConfusionMatrix.compute(y, p.reshape(5), 2));
    }

    @Test
    void perTimeStepPredictionsAreFlattened() {
        // (2 samples, 3 steps, 3 classes) against (2, 3) labels: the same six predictions.
        float[] flat = new float[18];
        for (int i = 0; i < 6; i++) System.arraycopy(SCORES[i], 0, flat, 3 * i, 3);
        Tensor probs = Tensor.of(flat, 2, 3, 3);
        Tensor labels = Tensor.ofLongs(new long[]{0, 0, 1, 2, 2, 2}, 2, 3);
        assertArrayEquals(EXPECTED, ConfusionMatrix.compute(labels, probs, 3));
    }

    @Test
    void integerPredictionsAreClassIds() {
        Tensor pred = Tensor.ofLongs(new long[]{0, 1, 1, 2, 0, 2}, 6);
        assertArrayEquals(EXPECTED, ConfusionMatrix.compute(Tensor.ofLongs(new long[]{0, 0, 1, 2, 2, 2}, 6), pred, 3));
    }

    @Test
    void rejectsMismatches() {
        Tensor probs = Tensor.of(SCORES);
        var e = assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(Tensor.ofLongs(new long[]{0, 1, 2}, 3), probs, 3));
        assertTrue(e.getMessage().contains("(3,)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(Tensor.ofLongs(new long[]{0, 0, 1, 2, 2, 3}, 6), probs, 3));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(Tensor.ofLongs(new long[]{0, 0, 1, 2, 2, 2}, 6), probs, 4));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(Tensor.of(new float[]{0, 0.5f}, 2), Tensor.of(new float[]{0.2f, 0.7f}, 2), 2));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(Tensor.ofLongs(new long[]{0, 1}, 2), Tensor.of(new float[]{0.2f, 0.7f}, 2), 3));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(new int[]{0, 1}, new int[]{0}, 2));
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.compute(new int[]{-1}, new int[]{0}, 2));
    }
}
