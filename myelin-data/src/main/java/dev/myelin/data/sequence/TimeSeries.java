package dev.myelin.data.sequence;

import dev.myelin.core.Shape;
import dev.myelin.core.Tensor;
import dev.myelin.data.Dataset;
import dev.myelin.data.Sample;

/**
 * Sliding windows over a time series, like Keras's {@code timeseries_dataset_from_array}: window
 * i starts at time {@code start_i = i * sequenceStride} and holds the steps
 * {@code start_i, start_i + samplingRate, ...} ({@code sequenceLength} of them); its target is
 * {@code targets[start_i]}. The windows are views of {@code data}, made when read, so nothing is
 * copied until batching.
 *
 * <pre>{@code
 * // predict step t + 10 from steps t .. t + 9: data (T, features), targets = data shifted by 10
 * Dataset ds = TimeSeries.windows(series.slice(0, 0, T - 10), series.slice(0, 10, T), 10, 1, 1);
 * model.fit(ds.shuffle(0).batch(32), null, options);
 * }</pre>
 */
public final class TimeSeries {
    private TimeSeries() {}

    /**
     * Windows of {@code data} (time, features...) with targets (time, ...) or null for input-only
     * samples. Each sample is [window (sequenceLength, features...)] or [window, target]. There are
     * {@code ceil(count / sequenceStride)} windows, where count is
     * {@code time - (sequenceLength - 1) * samplingRate}, capped at the number of targets.
     */
    public static Dataset windows(Tensor data, Tensor targets, int sequenceLength, int sequenceStride, int samplingRate) {
        String op = "TimeSeries.windows";
        if (data == null || data.rank() == 0) {
            throw new IllegalArgumentException(op + ": data must have a time axis first, shape (time, features...), got "
                    + (data == null ? "null" : "a scalar"));
        }
        if (sequenceLength < 1) throw new IllegalArgumentException(op + ": sequenceLength must be at least 1, got " + sequenceLength);
        if (sequenceStride < 1) throw new IllegalArgumentException(op + ": sequenceStride must be at least 1, got " + sequenceStride);
        if (samplingRate < 1) throw new IllegalArgumentException(op + ": samplingRate must be at least 1, got " + samplingRate);
        if (targets != null && targets.rank() == 0) {
            throw new IllegalArgumentException(op + ": targets must have a time axis first, shape (time, ...), got a scalar");
        }
        int time = data.size(0);
        long span = (long) (sequenceLength - 1) * samplingRate + 1;
        if (span > time) {
            throw new IllegalArgumentException(op + ": a window of " + sequenceLength + " steps at sampling rate " + samplingRate + " spans " + span
                    + " steps, but data " + Shape.format(data.shape()) + " has only " + time);
        }
        long count = time - span + 1;
        if (targets != null) count = Math.min(count, targets.size(0));
        int windows = (int) ((count + sequenceStride - 1) / sequenceStride);
        int length = (int) span;
        return Dataset.indexed(windows, i -> {
            int start = i * sequenceStride;
            Tensor window = data.slice(0, start, start + length, samplingRate);
            return targets == null ? Sample.of(window) : Sample.of(window, targets.select(0, start));
        });
    }
}
