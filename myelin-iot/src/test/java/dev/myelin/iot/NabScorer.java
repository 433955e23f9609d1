package dev.myelin.iot;

import java.util.ArrayList;
import java.util.List;

/**
 * The Numenta Anomaly Benchmark's scoring (github.com/numenta/NAB, {@code nab/sweeper.py}), written
 * from its documented algorithm for one series at a time:
 * <ul>
 * <li>each labelled anomaly window (start, end timestamps, inclusive) covers the rows whose time falls in it;</li>
 * <li>detections in the probationary period, the first min(floor(0.15 n), 750) rows, are ignored;</li>
 * <li>the first detection in a window is a true positive worth A_TP * sigma(y) / sigma(-1), where
 *     y = -(right - i + 1) / width is the row's position in the window (-1 at its first row, near 0 at its
 *     last) and sigma(y) = 2 / (1 + e^(5y)) - 1 the scaled sigmoid; later detections in the same window count 0;</li>
 * <li>a detection outside every window is a false positive worth A_FP * sigma(y) with
 *     y = |i - previous window's right| / (previous width - 1) (sigma is negative for y &gt; 0, and -1 past
 *     y = 3), or A_FP * -1 before the first window;</li>
 * <li>every window without a detection costs -A_FN.</li>
 * </ul>
 * Normalised over a set of series: 100 (raw - null) / (perfect - null), where the perfect detector
 * scores A_TP per window and the null detector (no detections, the optimum of NAB's constant-output
 * null detector under these weights) -A_FN per window.
 */
final class NabScorer {
    /** Weights of a NAB application profile; A_FP is given as a positive weight on a negative sigma. */
    record Profile(double tp, double fp, double fn) {}

    /** NAB's standard profile: A_TP = 1, A_FP = -0.11, A_FN = -1. */
    static final Profile STANDARD = new Profile(1.0, 0.11, 1.0);

    private NabScorer() {}

    /** sigma(y) = 2 / (1 + e^(5y)) - 1, and -1 beyond y = 3 (NAB's scaledSigmoid). */
    static double scaledSigmoid(double y) {
        if (y > 3.0) return -1.0;
        return 2.0 / (1.0 + Math.exp(5.0 * y)) - 1.0;
    }

    /** NAB's probationary period: min(floor(0.15 n), 0.15 * 5000) rows. */
    static int probation(int rows) {
        return (int) Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
    }

    /** The rows [first, last] (inclusive) of each window, from window times (epoch ms, inclusive) over increasing row times. */
    static List<int[]> windowRows(long[] times, List<long[]> windows) {
        List<int[]> out = new ArrayList<>();
        for (long[] w : windows) {
            int first = -1, last = -1;
            for (int i = 0; i < times.length; i++) {
                if (times[i] >= w[0] && times[i] <= w[1]) {
                    if (first < 0) first = i;
                    last = i;
                }
            }
            if (first >= 0) out.add(new int[]{first, last});
        }
        return out;
    }

    /** One series' raw score: detections per row, windows as rows [first, last]. */
    static double rawScore(boolean[] detected, List<int[]> windows, Profile p) {
        int n = detected.length, probation = probation(n);
        int[] windowOf = new int[n];
        java.util.Arrays.fill(windowOf, -1);
        for (int w = 0; w < windows.size(); w++) for (int i = windows.get(w)[0]; i <= windows.get(w)[1]; i++) windowOf[i] = w;
        boolean[] hit = new boolean[windows.size()];
        double score = 0;
        int prevRight = -1, prevWidth = 0;
        for (int i = 0; i < n; i++) {
            int w = windowOf[i];
            if (w < 0 && i > 0 && windowOf[i - 1] >= 0) { // just left a window
                int[] pw = windows.get(windowOf[i - 1]);
                prevRight = pw[1];
                prevWidth = pw[1] - pw[0] + 1;
            }
            if (!detected[i] || i < probation) continue;
            if (w >= 0) {
                if (hit[w]) continue;
                hit[w] = true;
                int right = windows.get(w)[1], width = right - windows.get(w)[0] + 1;
                score += p.tp() * scaledSigmoid(-(right - i + 1) / (double) width) / scaledSigmoid(-1.0);
            } else if (prevRight < 0) {
                score += p.fp() * -1.0;
            } else {
                score += p.fp() * scaledSigmoid(Math.abs(i - prevRight) / (double) Math.max(1, prevWidth - 1));
            }
        }
        for (boolean h : hit) if (!h) score -= p.fn();
        return score;
    }

    /** 100 (raw - null) / (perfect - null) over series holding {@code windows} windows in all. */
    static double normalised(double raw, int windows, Profile p) {
        double perfect = p.tp() * windows, nul = -p.fn() * windows;
        return 100.0 * (raw - nul) / (perfect - nul);
    }
}
