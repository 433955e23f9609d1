package dev.myelin.compress;

import java.util.Arrays;
import java.util.Locale;

/**
 * How static quantization turns the activations seen on calibration data into a range (and so a
 * scale, range / 127): {@link #max()} takes the largest magnitude, so nothing seen saturates;
 * {@link #percentile(double)} takes a high percentile of the magnitudes, so rare outliers saturate
 * and the common values get a finer grid.
 *
 * <pre>{@code Quantizer.staticInt8(model, QuantizeOptions.defaults(), samples, Calibration.percentile(99.99))}</pre>
 *
 * @param method     "max" or "percentile"
 * @param percentile for "percentile": in (0, 100]
 */
public record Calibration(String method, double percentile) {

    public Calibration {
        if (!method.equals("max") && !method.equals("percentile")) {
            throw new IllegalArgumentException("Calibration: method must be \"max\" or \"percentile\", got \"" + method + "\"");
        }
        if (method.equals("percentile") && !(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("Calibration: percentile must be in (0, 100], got " + percentile);
        }
    }

    /** The largest magnitude seen (min/max calibration, symmetric). */
    public static Calibration max() {
        return new Calibration("max", 100);
    }

    /** The p-th percentile of the magnitudes seen, e.g. 99.99. */
    public static Calibration percentile(double p) {
        return new Calibration("percentile", p);
    }

    /** The range for these magnitudes (sorted in place): the largest, or the nearest-rank percentile. */
    float range(float[] magnitudes, int count) {
        if (count == 0) return 0f;
        if (method.equals("max")) {
            float m = 0f;
            for (int i = 0; i < count; i++) m = Math.max(m, magnitudes[i]);
            return m;
        }
        Arrays.sort(magnitudes, 0, count);
        int rank = (int) Math.ceil(percentile / 100 * count - 1e-9);   // nearest rank, 1-based (the 1e-9 absorbs 99.9 / 100 * 1000 = 999.0000000000001)
        return magnitudes[Math.max(0, Math.min(count, rank) - 1)];
    }

    @Override
    public String toString() {
        return method.equals("max") ? "max" : String.format(Locale.ROOT, "percentile(%s)", percentile);
    }
}
