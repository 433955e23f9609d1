package dev.myelin.data;

import dev.myelin.core.Tensor;
import dev.myelin.data.sequence.TimeSeries;
import dev.myelin.nn.Batch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SequenceUtilTest {

    /** (t, 2) with row i = [i, 100 + i]. */
    static Tensor series(int t) {
        float[] d = new float[2 * t];
        for (int i = 0; i < t; i++) {
            d[2 * i] = i;
            d[2 * i + 1] = 100 + i;
        }
        return Tensor.wrap(d, t, 2);
    }

    @Test
    void windowsFollowKerasTimeseriesDatasetFromArray() {
        // Keras: data of 10 steps, sequence_length 3, sampling_rate 2, sequence_stride 2:
        // windows start at 0, 2, 4 (10 - (3 - 1) * 2 = 6 candidate starts, every 2nd), steps start, start + 2, start + 4.
        Tensor data = series(10);
        Tensor targets = Tensor.arange(10).add(1000f);
        Dataset ds = TimeSeries.windows(data, targets, 3, 2, 2);
        assertEquals(3, ds.size());
        List<Sample> all = new ArrayList<>();
        ds.iterator().forEachRemaining(all::add);
        int[] starts = {0, 2, 4};
        for (int w = 0; w < 3; w++) {
            int s = starts[w];
            assertArrayEquals(new int[]{3, 2}, all.get(w).get(0).shape());
            assertArrayEquals(new float[]{s, 100 + s, s + 2, 102 + s, s + 4, 104 + s}, all.get(w).get(0).toFloatArray());
            assertEquals(1000 + s, all.get(w).get(1).item());
        }
        Batch b = ds.batch(2).epoch(0).next();
        assertArrayEquals(new int[]{2, 3, 2}, b.x().get(0).shape());
        assertArrayEquals(new float[]{1000, 1002}, b.y().get(0).toFloatArray());
    }

    @Test
    void forecastingWindowsAndInputsOnly() {
        // Predict the step after each window of 4: targets are the data shifted by 4.
        int t = 20, len = 4;
        Tensor data = series(t);
        Dataset ds = TimeSeries.windows(data.slice(0, 0, t - len), data.slice(0, len, t), len, 1, 1);
        assertEquals(t - 2 * len + 1, ds.size());
        List<Sample> all = new ArrayList<>();
        ds.iterator().forEachRemaining(all::add);
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i + len - 1, all.get(i).get(0).get(len - 1, 0)); // last step of the window
            assertArrayEquals(new float[]{i + len, 100 + i + len}, all.get(i).get(1).toFloatArray()); // the next step
        }
        // Targets cap the count; no targets gives one-tensor samples.
        assertEquals(5, TimeSeries.windows(data, Tensor.zeros(5), 3, 1, 1).size());
        Dataset inputs = TimeSeries.windows(data, null, 5, 5, 1);
        assertEquals(4, inputs.size());
        assertEquals(1, inputs.iterator().next().size());
        assertTrue(inputs.batch(4).epoch(0).next().y().isEmpty());
        // Shuffling and splitting work on windows like on any in-memory dataset.
        assertEquals(2, inputs.split(1, 0.5, 0.5).get(0).size());
    }

    @Test
    void badWindowsAreRejected() {
        Tensor data = series(5);
        var e = assertThrows(IllegalArgumentException.class, () -> TimeSeries.windows(data, null, 3, 1, 3));
        assertTrue(e.getMessage().contains("spans 7") && e.getMessage().contains("only 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeSeries.windows(data, null, 0, 1, 1));
        assertTrue(e.getMessage().contains("sequenceLength must be at least 1, got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.windows(data, null, 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.windows(data, null, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> TimeSeries.windows(Tensor.scalar(1f), null, 1, 1, 1));
    }
}
