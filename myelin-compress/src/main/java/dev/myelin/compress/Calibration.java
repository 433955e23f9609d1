package dev.myelin.compress;

import java.util.Arrays;
import java.util.Locale;

/**
 * How static quantization turns the activations seen on calibration data into a range (and so a
 * scale, range / 127): {@link #max()} takes the largest magnitude, so nothing seen saturates;
 * {@link #percentile(double)} takes a high percentile of the magnitudes, so rare outliers saturate
 * and the common values get a finer grid; {@link #entropy()} picks the clipping range whose 127
 * quantization levels lose the least information about the histogram of magnitudes (the
 * Kullback-Leibler divergence of TensorRT's calibrator, Migacz 2017).
 *
 * <pre>{@code Quantizer.staticInt8(model, QuantizeOptions.defaults(), samples, Calibration.percentile(99.99))}</pre>
 *
 * @param method     "max", "percentile" or "entropy"
 * @param percentile for "percentile": in (0, 100]
 */
public record Calibration(String method, double percentile) {

    public Calibration {
        if (!method.equals("max") && !method.equals("percentile") && !method.equals("entropy")) {
            throw new IllegalArgumentException("Calibration: method must be \"max\", \"percentile\" or \"entropy\", got \"" + method + "\"");
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

    /** The clipping range of least KL divergence (see {@link #range} for the search). */
    public static Calibration entropy() {
        return new Calibration("entropy", 100);
    }

    /** Histogram bins over [0, max|x|] for entropy calibration, and the quantized levels (0..127) it compares against. */
    static final int BINS = 2048, LEVELS = 128;

    /** The range for these magnitudes (sorted in place): the largest, the nearest-rank percentile, or the entropy threshold. */
    float range(float[] magnitudes, int count) {
        if (count == 0) return 0f;
        if (method.equals("entropy")) return entropyRange(magnitudes, count);
        if (method.equals("max")) {
            float m = 0f;
            for (int i = 0; i < count; i++) m = Math.max(m, magnitudes[i]);
            return m;
        }
        Arrays.sort(magnitudes, 0, count);
        int rank = (int) Math.ceil(percentile / 100 * count - 1e-9);   // nearest rank, 1-based (the 1e-9 absorbs 99.9 / 100 * 1000 = 999.0000000000001)
        return magnitudes[Math.max(0, Math.min(count, rank) - 1)];
    }

    /**
     * Entropy calibration (MXNet's and TensorRT's {@code _get_optimal_threshold}): the nonzero
     * magnitudes go into {@link #BINS} bins over [0, max] (exact zeros, most of a ReLU's output,
     * quantize exactly at any scale, and their spike in the first bin would otherwise favour the
     * narrowest clip); for each candidate clip at bin i (from {@link #LEVELS} up), P is the first i
     * bins with everything beyond added to bin i - 1 (what saturation does), Q is those i bins, without
     * the outliers, merged into 128 levels and spread back evenly over each level's bins where P is
     * nonzero (what quantization keeps). The clip is the upper edge of the bin i with the smallest
     * KL(P || Q) = sum P log(P / Q), both normalized; a bin where P has mass and Q none counts as
     * Q = 1e-4 (MXNet's smoothing epsilon).
     */
    static float entropyRange(float[] magnitudes, int count) {
        float max = 0f;
        for (int i = 0; i < count; i++) max = Math.max(max, magnitudes[i]);
        if (max == 0f) return 0f;
        long[] hist = new long[BINS];
        double width = max / (double) BINS;
        for (int i = 0; i < count; i++) if (magnitudes[i] != 0f) hist[Math.min(BINS - 1, (int) (magnitudes[i] / width))]++;
        long[] beyond = new long[BINS + 1];   // beyond[i] = values in bins i and up
        for (int j = BINS - 1; j >= 0; j--) beyond[j] = beyond[j + 1] + hist[j];
        double best = Double.POSITIVE_INFINITY;
        int bestI = BINS;
        double[] p = new double[BINS], q = new double[BINS];
        for (int i = LEVELS; i <= BINS; i++) {
            double pSum = 0;
            for (int j = 0; j < i; j++) {
                p[j] = hist[j];
                pSum += p[j];
            }
            p[i - 1] += beyond[i];
            pSum += beyond[i];
            if (pSum == 0) continue;
            // Q: level k covers bins [k i / LEVELS, (k+1) i / LEVELS); its mass (outliers excluded) spreads over the bins where P is nonzero
            double qSum = 0;
            for (int k = 0; k < LEVELS; k++) {
                int lo = (int) ((long) k * i / LEVELS), hi = (int) ((long) (k + 1) * i / LEVELS);
                double total = 0;
                int nonEmpty = 0;
                for (int j = lo; j < hi; j++) {
                    total += hist[j];
                    if (p[j] > 0) nonEmpty++;
                }
                for (int j = lo; j < hi; j++) {
                    q[j] = p[j] > 0 ? total / nonEmpty : 0;
                    qSum += q[j];
                }
            }
            double kl = 0;
            for (int j = 0; j < i; j++) {
                if (p[j] == 0) continue;
                double pj = p[j] / pSum, qj = qSum > 0 ? q[j] / qSum : 0;
                kl += pj * Math.log(pj / Math.max(qj, 1e-4));
            }
            if (kl < best) {
                best = kl;
                bestI = i;
            }
        }
        return (float) (bestI * width);
    }

    @Override
    public String toString() {
        if (method.equals("entropy")) return "entropy";
        return method.equals("max") ? "max" : String.format(Locale.ROOT, "percentile(%s)", percentile);
    }
}
